#pragma once
// The conversation between emberd's actors, in one place:
//
//   I/O thread --(rpc_atom, InboundRpc)--> frontend
//   frontend   --(call_atom, VmKey, VmCall) -> RpcReply--> registry
//   registry   --(call_atom, VmCall) -> RpcReply--> vm supervisor (delegated, or
//                requested for CreateVM/StopVM so the registry can forget the VM
//                before the caller hears the reply)
//   I/O thread --(shim_reply_atom / shim_exit_atom)--> vm supervisor
//   start-up   --(adopt_atom, VmKey, ShimRecord)--> registry --> new supervisor
//
// Included only by actor translation units: it pulls in CAF headers.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <tuple>

#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::msg {

using rpc_atom = caf::atom_constant<caf::atom("rpc")>;
using call_atom = caf::atom_constant<caf::atom("call")>;
using shim_reply_atom = caf::atom_constant<caf::atom("shimreply")>;
using shim_exit_atom = caf::atom_constant<caf::atom("shimexit")>;
using stop_timer_atom = caf::atom_constant<caf::atom("stoptimer")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using stop_all_atom = caf::atom_constant<caf::atom("stopall")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;

// A VM's identity: (namespace, VM id), both valid containerd identifiers.
struct VmKey {
  std::string ns;
  std::string id;
};
inline bool operator<(const VmKey& a, const VmKey& b) {
  return std::tie(a.ns, a.id) < std::tie(b.ns, b.id);
}
inline bool operator==(const VmKey& a, const VmKey& b) {
  return a.ns == b.ns && a.id == b.id;
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmKey& x) {
  return f(caf::meta::type_name("VmKey"), x.ns, x.id);
}

// One fccontrol call for one VM: the serialized request as the client sent it
// (forwarded to the shim unchanged) and the caller's deadline.
struct VmCall {
  Method method = Method::get_vm_info;
  std::string payload;
  int64_t timeout_ms = 0;  // what is left of the caller's deadline; 0: none
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VmCall& x) {
  return f(caf::meta::type_name("VmCall"), x.method, x.payload, x.timeout_ms);
}

// The answer to a call: google.rpc code and message, serialized response.
struct RpcReply {
  int32_t code = 0;
  std::string message;
  std::string payload;
  bool vm_gone = false;  // the supervisor has quit: the registry forgets the VM
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RpcReply& x) {
  return f(caf::meta::type_name("RpcReply"), x.code, x.message, x.payload, x.vm_gone);
}

// A running shim found by a restarted emberd (from its shim-state.json).
struct ShimRecord {
  int32_t pid = 0;
  uint64_t start_time = 0;  // guards against pid reuse
  std::string shim_socket;
  std::string fccontrol_socket;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ShimRecord& x) {
  return f(caf::meta::type_name("ShimRecord"), x.pid, x.start_time, x.shim_socket,
           x.fccontrol_socket);
}

// A decoded ttrpc request handed from the I/O thread to the frontend, with the
// responder that completes it. Local only (never serialized).
struct InboundRpc {
  Method method = Method::get_vm_info;
  std::string ns;
  std::string payload;
  int64_t timeout_nano = 0;
  ttrpc::Responder responder;
};

using supervisor_actor =
    caf::typed_actor<caf::replies_to<call_atom, VmCall>::with<RpcReply>,
                     // take over a running shim instead of creating one (emberd restarted)
                     caf::replies_to<adopt_atom, ShimRecord>::with<RpcReply>,
                     // from the I/O thread: a shim call completed; the shim process exited
                     caf::reacts_to<shim_reply_atom, uint64_t, RpcReply>,
                     caf::reacts_to<shim_exit_atom>,
                     // StopVM's timeout for the stop attempt with this generation ran out
                     caf::reacts_to<stop_timer_atom, uint64_t>,
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

}  // namespace ember::msg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ember::msg::InboundRpc)
