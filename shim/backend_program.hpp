#pragma once
// Backends that run in a program of their own. ember-shim serves hollow and
// qemu itself; the firecracker backend needs libcurl (and the ~20 libraries
// it loads), so it lives in ember-shim-firecracker beside ember-shim and every
// other shim's exec stays cheap. ember-shim hands over by exec as soon as its
// config names such a backend, before it touches its launch: the helper
// inherits the launch contract (shimproc/launch_contract.hpp) unchanged:
// argv, environment, fds 0-4, working directory and pid.
#include <string>

#include "base/status.hpp"
#include "config/config.hpp"

namespace ember::shim {

inline constexpr const char* kFirecrackerShimProgram = "ember-shim-firecracker";

// The program beside ember-shim that serves `backend`; nullptr when ember-shim
// serves it itself.
const char* backend_program(config::Backend backend);

// When `backend` has a program of its own: replaces this process with it,
// from the directory of `self_exe` (absolute). argv[0] becomes its path; the
// rest of argv, the environment and every fd stay as they are. Returns only on
// failure (UNAVAILABLE naming the path and errno). OK at once when ember-shim
// serves `backend` itself.
Status hand_off_backend(const std::string& self_exe, config::Backend backend, char** argv);

}  // namespace ember::shim
