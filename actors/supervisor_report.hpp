#pragma once
// What a supervisor tells the inventory (ActorDeps::inventory) of its VM:
// its phase at each step, and why it ended. Included only by
// actors/vm_supervisor.cpp.
#include <optional>
#include <string>
#include <utility>

#include "actors/vm_supervisor_state.hpp"

namespace ember::actors {

// type "": no event of its own (the inventory names one after the new state).
inline void report(const SupervisorState& st, msg::VmState phase, std::string type,
                   std::string cause = {}) {
  if (st.deps.inventory == nullptr) return;
  msg::VmChange c;
  c.type = std::move(type);
  c.vm.key = st.key;
  c.vm.state = phase;
  c.vm.shim_pid = st.shim_pid;
  c.cause = std::move(cause);
  st.deps.inventory->changed(c);
}

// A forwarded call succeeded: PauseVM and ResumeVM change the phase.
inline void report_reply(const SupervisorState& st, msg::Method method, const msg::RpcReply& r) {
  if (r.code != 0) return;
  if (method == msg::Method::pause_vm) report(st, msg::VmState::paused, "pause");
  if (method == msg::Method::resume_vm) report(st, msg::VmState::ready, "resume");
}

// The VM is gone: why, in the words of `emberctl events`.
inline void report_exit(const SupervisorState& st, std::optional<msg::Method> ends_call,
                        const msg::RpcReply& outcome, const Status& others) {
  std::string cause;
  if (ends_call == msg::Method::stop_vm) {
    cause = outcome.code == 0 ? "stopped" : outcome.message;
  } else if (ends_call == msg::Method::create_vm) {
    cause = "create failed: " + outcome.message;
  } else if (st.exit) {
    cause = "shim exited (" +
            (st.exit->signal ? "signal " + std::to_string(st.exit->signal)
                             : "code " + std::to_string(st.exit->code)) +
            ")";
  } else {
    cause = others.message();
  }
  report(st, msg::VmState::stopping, "exit", std::move(cause));
}

}  // namespace ember::actors
