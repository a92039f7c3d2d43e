#pragma once
// The StopVM status of a VM that had to be killed, as firecracker-containerd
// words it: INTERNAL "forcefully terminated VM <id>". The VM is gone all the
// same, so clients (emberctl's exit code, the benches) tell it apart from a
// failure by this one predicate.
#include <string>

#include "base/status.hpp"

namespace ember::msg {

inline constexpr const char* kForcedStopPrefix = "forcefully terminated VM ";

inline Status forced_stop_status(const std::string& vm_id) {
  return Status::Internal(kForcedStopPrefix + vm_id);
}

inline bool is_forced_stop(const Status& s) {
  return s.code() == Code::internal && s.message().rfind(kForcedStopPrefix, 0) == 0;
}

}  // namespace ember::msg
