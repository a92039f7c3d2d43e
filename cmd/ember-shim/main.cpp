// ember-shim: serves one VM; launched by emberd (see shimproc/shim/run_shim.hpp).
#include "shim/run_shim.hpp"

int main(int argc, char** argv) {
  return ember::shim::run_shim(argc, argv);
}
