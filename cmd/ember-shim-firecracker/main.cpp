// ember-shim-firecracker: ember-shim for the firecracker backend. ember-shim
// execs it under the same launch contract when its config names that backend
// (shim/backend_program.hpp), so libcurl loads only into these shims.
#include "shim/run_shim.hpp"
#include "shim/vmm/firecracker/firecracker_vmm.hpp"

int main(int argc, char** argv) {
  return ember::shim::run_shim(argc, argv, ember::shim::firecracker::make_firecracker_vmm,
                               ember::shim::HandOff::none);
}
