// emberd: see cmd/emberd/daemon.hpp.
#include "cmd/emberd/daemon.hpp"

int main(int argc, char** argv) {
  return ember::run_emberd(argc, argv);
}
