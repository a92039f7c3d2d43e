#include "actors/vm_end.hpp"

#include <string>

namespace ember::actors {
namespace {

using msg::ShimExit;
using msg::VmEnd;

// The shim ended by itself while the VM ran: by its exit, how.
void classify_exit(const ShimExit& e, VmEnd* end) {
  if (e.signal != 0) {
    end->cause = "shim-killed";
    end->detail = "shim killed by signal " + std::to_string(e.signal);
  } else if (e.code == 0) {
    // The shim exits 0 when the guest powered itself off (shim/fccontrol_service).
    end->cause = "guest-power-off";
    end->detail = "the guest shut down";
  } else if (e.code > 0) {
    // The shim exits 1 when its VMM ended unrequested; vmm-exit in the VM
    // dir says how (the effects add it).
    end->cause = "vmm-crash";
    end->detail = "shim exited with code " + std::to_string(e.code);
  } else {
    end->cause = "shim-exited";  // adopted: not our child, its status is unknown
    end->detail = "the adopted shim exited (status unknown)";
  }
}

}  // namespace

msg::VmEnd vm_end_of(const SupervisorState& st, std::optional<msg::Method> ends_call,
                     const msg::RpcReply& outcome) {
  VmEnd end;
  if (st.exit) {
    end.shim_exit = *st.exit;
    end.shim_exited = true;
  }
  if (auto* s = std::get_if<Stopping>(&st.phase)) {
    end.cause = s->forced ? "stop-forced" : "stop";
    end.detail = outcome.code == 0 ? "StopVM" : "StopVM: " + outcome.message;
  } else if (ends_call == msg::Method::create_vm) {
    end.cause = "create-failed";
    end.detail = outcome.message;
    end.only_with_console = true;
  } else if (std::holds_alternative<Ending>(st.phase) ||
             std::holds_alternative<Adopting>(st.phase)) {
    end.cause = "adopt-failed";
    end.detail = outcome.message;
  } else if (st.exit) {
    classify_exit(*st.exit, &end);
  } else {
    end.cause = "unknown";
  }
  // A cause set on purpose (a boot watchdog's) says more than the phase.
  if (!st.end_cause.empty()) end.cause = st.end_cause;
  return end;
}

}  // namespace ember::actors
