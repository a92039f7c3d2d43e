#include "shim/backend_program.hpp"

#include <unistd.h>

#include <cerrno>

#include "base/errno_status.hpp"

namespace ember::shim {

const char* backend_program(config::Backend backend) {
  return backend == config::Backend::firecracker ? kFirecrackerShimProgram : nullptr;
}

Status hand_off_backend(const std::string& self_exe, config::Backend backend, char** argv) {
  const char* program = backend_program(backend);
  if (program == nullptr) return Status::Ok();
  const std::string path = self_exe.substr(0, self_exe.rfind('/') + 1) + program;
  // argv is main's: only its first pointer changes, and only if exec fails
  // does this image see it again.
  argv[0] = const_cast<char*>(path.c_str());
  ::execv(path.c_str(), argv);
  const int err = errno;
  return errno_status("cannot run " + path + " for the " + config::to_string(backend) + " backend",
                      err);
}

}  // namespace ember::shim
