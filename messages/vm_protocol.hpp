#pragma once
// The conversation between emberd's actors, in one place:
//
//   I/O thread --(rpc_atom, InboundRpc)--> frontend
//   frontend   --(call_atom, VmKey, VmCall) -> RpcReply--> registry
//   registry   --(call_atom, VmCall) -> RpcReply--> vm supervisor (CreateVM and
//                StopVM requested and their replies relayed; every other call
//                delegated: the supervisor answers the frontend)
//   effects    --(started/shim_reply/shim_exit/timer atoms)--> vm supervisor
//   start-up   --(adopt_atom, VmKey, ShimRecord)--> registry --> new supervisor
//   supervisor --(InventorySink: vm_change_atom, VmChange)--> inventory
//   effects    --(InventorySink: guest_atom, VmKey, GuestStatus)--> inventory
//   I/O thread --(list_atom, InventoryQuery / watch_atom, InventoryWatch)--> inventory
//
// A supervisor that ends with a call's outcome (a StopVM done, a CreateVM
// failed) does not answer that call: it quits with the outcome as its exit
// reason (vm_end_reason), and the registry answers it from the down message,
// after forgetting the VM. So the registry learns that a VM is gone only from
// the down message, and a caller who heard "stopped" can create the id again.
//
// Included only by actor translation units: it pulls in CAF headers.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

#include "messages/vm_inventory.hpp"
#include "messages/vm_types.hpp"

namespace ember::msg {

using rpc_atom = caf::atom_constant<caf::atom("rpc")>;
using call_atom = caf::atom_constant<caf::atom("call")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using shim_reply_atom = caf::atom_constant<caf::atom("shimreply")>;
using shim_exit_atom = caf::atom_constant<caf::atom("shimexit")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using stop_all_atom = caf::atom_constant<caf::atom("stopall")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;
using vm_change_atom = caf::atom_constant<caf::atom("vmchange")>;
using guest_atom = caf::atom_constant<caf::atom("guest")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmKey& x) {
  return f(caf::meta::type_name("VmKey"), x.ns, x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmCall& x) {
  return f(caf::meta::type_name("VmCall"), x.method, x.payload, x.timeout_ms, x.metadata);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RpcReply& x) {
  return f(caf::meta::type_name("RpcReply"), x.code, x.message, x.payload);
}
// The inventory's values: sent between hosts by the fleet (docs/fleet.md).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, GuestStatus& x) {
  return f(caf::meta::type_name("GuestStatus"), x.state, x.reason, x.backend, x.accel,
           x.accel_reason, x.vcpus, x.memory_mib, x.vmm_pid, x.started_unix_nano);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmSummary& x) {
  return f(caf::meta::type_name("VmSummary"), x.key, x.state, x.shim_pid, x.guest, x.member,
           x.conflict);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmChange& x) {
  return f(caf::meta::type_name("VmChange"), x.type, x.vm, x.cause);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShimRecord& x) {
  return f(caf::meta::type_name("ShimRecord"), x.pid, x.start_time, x.shim_socket,
           x.fccontrol_socket);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShimExit& x) {
  return f(caf::meta::type_name("ShimExit"), x.code, x.signal, x.failure_code, x.failure);
}

// The exit reason of a supervisor that ends with the outcome of `method`'s
// call (StopVM, CreateVM): the registry answers that call with `reply`.
inline caf::error vm_end_reason(Method method, const RpcReply& reply) {
  return caf::error{1, caf::atom("vmend"), caf::make_message(method, reply.code, reply.message)};
}
// Reads a reason made by vm_end_reason; false for any other reason.
inline bool read_vm_end_reason(const caf::error& reason, Method* method, RpcReply* reply) {
  if (!reason || reason.category() != caf::atom("vmend")) return false;  // none: no data
  const caf::message& ctx = reason.context();
  if (!ctx.match_elements<Method, int32_t, std::string>()) return false;
  *method = ctx.get_as<Method>(0);
  *reply = RpcReply{ctx.get_as<int32_t>(1), ctx.get_as<std::string>(2), {}};
  return true;
}

using supervisor_actor =
    caf::typed_actor<caf::replies_to<call_atom, VmCall>::with<RpcReply>,
                     // take over a running shim instead of creating one (emberd restarted)
                     caf::replies_to<adopt_atom, ShimRecord>::with<RpcReply>,
                     // completions of the VM's effects (messages/vm_effects.hpp)
                     caf::reacts_to<started_atom, RpcReply, int32_t>,
                     caf::reacts_to<shim_reply_atom, uint64_t, RpcReply>,
                     caf::reacts_to<shim_exit_atom, ShimExit>, caf::reacts_to<timer_atom, uint64_t>,
                     // emberd is exiting: let go of the shim and its files, leave it running
                     caf::reacts_to<detach_atom>>;

using registry_actor =
    caf::typed_actor<caf::replies_to<call_atom, VmKey, VmCall>::with<RpcReply>,
                     // register a recovered shim under key
                     caf::replies_to<adopt_atom, VmKey, ShimRecord>::with<RpcReply>,
                     // stop every VM; replies with how many were stopped
                     caf::replies_to<stop_all_atom>::with<uint32_t>,
                     // detach every VM and quit; replies with how many
                     caf::replies_to<detach_atom>::with<uint32_t>,
                     caf::replies_to<count_atom>::with<uint32_t>>;

using frontend_actor = caf::typed_actor<caf::reacts_to<rpc_atom, InboundRpc>>;

// The inventory (actors/inventory.cpp): the table of VMs for ListVMs and Watch.
using inventory_actor = caf::typed_actor<
    caf::reacts_to<vm_change_atom, VmChange>, caf::reacts_to<guest_atom, VmKey, GuestStatus>,
    caf::reacts_to<list_atom, InventoryQuery>, caf::reacts_to<watch_atom, InventoryWatch>>;

}  // namespace ember::msg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ember::msg::InboundRpc)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ember::msg::InventoryQuery)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ember::msg::InventoryWatch)
