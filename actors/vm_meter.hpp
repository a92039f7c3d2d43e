#pragma once
// VmMeter: keeps one VM's share of the metrics (metrics/ember_metrics.hpp):
// when the supervisor ends, its exit is counted by cause. (The ember_vms
// gauge counts VMs by the state `vm ls` shows, so the inventory keeps it.) Fed after each message
// the supervisor handled (actors/after_each_message.hpp), so the supervisor's own code does not
// change for it. Included only by actors/vm_supervisor.cpp.
#include <optional>

#include "actors/vm_supervisor_state.hpp"
#include "metrics/ember_metrics.hpp"

namespace ember::actors {

class VmMeter {
 public:
  explicit VmMeter(metrics::Metrics& m) : m_(m) {}
  VmMeter(const VmMeter&) = delete;
  VmMeter& operator=(const VmMeter&) = delete;

  void observe(const SupervisorState& st, bool ended) {
    if (ended_ || !ended) return;  // counted once, whatever is handled after quit()
    ended_ = true;
    if (auto cause = exit_cause(st)) m_.vm_exited(*cause);
  }

 private:
  using ExitCause = metrics::ExitCause;

  // A create or adoption that fails may end straight from its phase, without
  // passing through Ending. No exit seen while running: emberd let the VM go
  // (detach), which is no exit.
  static std::optional<ExitCause> exit_cause(const SupervisorState& st) {
    if (auto* e = std::get_if<Ending>(&st.phase))
      return e->ends_call == msg::Method::create_vm ? ExitCause::create_failed
                                                    : ExitCause::adopt_failed;
    if (std::holds_alternative<Creating>(st.phase)) return ExitCause::create_failed;
    if (std::holds_alternative<Adopting>(st.phase)) return ExitCause::adopt_failed;
    if (!st.exit) return std::nullopt;
    if (auto* s = std::get_if<Stopping>(&st.phase))
      return s->forced ? ExitCause::stop_forced : ExitCause::stopped;
    return st.exit->signal != 0 ? ExitCause::shim_signaled : ExitCause::shim_exited;
  }

  metrics::Metrics& m_;
  bool ended_ = false;
};

}  // namespace ember::actors
