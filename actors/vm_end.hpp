#pragma once
// How a VM ended, told from its supervisor's state: the record its effects
// keep as a tombstone (messages/vm_effects.hpp, VmEnd). Included only by
// actor translation units.
#include <optional>

#include "actors/vm_supervisor_state.hpp"

namespace ember::actors {

// The end of the VM whose supervisor finishes now; ends_call and outcome as
// given to finish (the call whose outcome ends the VM, and that outcome).
msg::VmEnd vm_end_of(const SupervisorState& st, std::optional<msg::Method> ends_call,
                     const msg::RpcReply& outcome);

}  // namespace ember::actors
