#pragma once
// The supervisor's small pure decisions about outcomes (no CAF): how a shim
// exit reads, why a CreateVM failed when the shim exited first, and a bound
// shortened to the caller's deadline.
#include <cstdint>
#include <string>

#include "actors/vm_supervisor_state.hpp"
#include "messages/vm_types.hpp"

namespace ember::actors {

inline std::string describe(const msg::ShimExit& e) {
  return e.signal ? "signal " + std::to_string(e.signal) : "code " + std::to_string(e.code);
}

// Why CreateVM failed when the shim exited first: the shim's own reason if
// it gave one (the launch contract's start-failure line), else its exit.
inline msg::RpcReply exited_during_create(const SupervisorState& st, const msg::ShimExit& e) {
  if (e.failure_code != 0)
    return msg::reply_of(Status(static_cast<Code>(e.failure_code),
                                "shim of VM " + st.key.id + " could not start: " + e.failure));
  return msg::reply_of(Status::Unavailable("shim of VM " + st.key.id + " exited during CreateVM (" +
                                           describe(e) + ")"));
}

// A bound of our own, shortened to the caller's deadline (0: none) when that
// comes first.
inline int64_t within_deadline(int64_t bound_ms, int64_t caller_ms) {
  return caller_ms > 0 && caller_ms < bound_ms ? caller_ms : bound_ms;
}

}  // namespace ember::actors
