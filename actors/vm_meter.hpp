#pragma once
// VmMeter: keeps one VM's share of the metrics (metrics/ember_metrics.hpp):
// the VM counts in the gauge of its supervisor's phase, and when the
// supervisor ends, its exit is counted by cause. Fed after each message the
// supervisor handled (actors/after_each_message.hpp), so the supervisor's
// own code does not change for it. Included only by actors/vm_supervisor.cpp.
#include <optional>

#include "actors/vm_supervisor_state.hpp"
#include "metrics/ember_metrics.hpp"

namespace ember::actors {

class VmMeter {
 public:
  explicit VmMeter(metrics::Metrics& m) : m_(m) {}
  ~VmMeter() { leave(); }
  VmMeter(const VmMeter&) = delete;
  VmMeter& operator=(const VmMeter&) = delete;

  void observe(const SupervisorState& st, bool ended) {
    if (ended_) return;  // counted once, whatever is handled after quit()
    if (ended) {
      ended_ = true;
      if (auto cause = exit_cause(st)) m_.vm_exited(*cause);
      leave();
      return;
    }
    std::optional<metrics::VmState> now = state_of(st.phase);
    if (now == current_) return;
    leave();
    current_ = now;
    if (current_) m_.vm_entered(*current_);
  }

 private:
  using VmState = metrics::VmState;
  using ExitCause = metrics::ExitCause;

  static std::optional<VmState> state_of(const Phase& p) {
    if (std::holds_alternative<Creating>(p)) return VmState::creating;
    if (std::holds_alternative<Adopting>(p)) return VmState::adopting;
    if (std::holds_alternative<Running>(p)) return VmState::running;
    if (std::holds_alternative<Stopping>(p)) return VmState::stopping;
    if (std::holds_alternative<Ending>(p)) return VmState::failing;
    return std::nullopt;  // Idle: no VM yet
  }

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

  void leave() {
    if (current_) m_.vm_left(*current_);
    current_.reset();
  }

  metrics::Metrics& m_;
  std::optional<VmState> current_;
  bool ended_ = false;
};

}  // namespace ember::actors
