#pragma once
// What emberd checks before it serves, so that a host that cannot run the
// configured VMs fails at start (exit code 2, a config error) rather than at
// its first CreateVM.
#include <string>

#include "base/status.hpp"
#include "config/config.hpp"

namespace ember {

// The shim binary is an executable file, and for the configured backend:
// - qemu: vmm.qemu_binary (an absolute path, or a name found in PATH) is an
//   executable file; vm.kernel_image, when set, is a readable regular file,
//   and so is initrd.gz beside it when there is one;
// - firecracker: vmm.firecracker_binary likewise, ember-shim-firecracker sits
//   executable beside the shim binary, and vm.kernel_image as for qemu;
// - hollow: nothing more.
// With fleet.role member or front, the three fleet.tls files are readable; a
// front runs no VMs, so it needs nothing else.
// FAILED_PRECONDITION naming the config key and the file otherwise.
Status check_startup(const config::Config& cfg);

// The executable file name resolves to: name itself when it holds a '/',
// else the first match in path_env (a PATH value; "" means the default PATH).
// NOT_FOUND or FAILED_PRECONDITION saying why otherwise.
Status find_executable(const std::string& name, const std::string& path_env, std::string* found);

}  // namespace ember
