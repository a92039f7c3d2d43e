#pragma once
// The values emberd's actors pass around, as plain CAF-free structs. Their CAF
// message declarations (atoms, inspect, actor interfaces) are in
// vm_protocol.hpp, which only actor translation units include.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/status.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::msg {

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

// The answer to a call: google.rpc code and message, serialized response.
struct RpcReply {
  int32_t code = 0;
  std::string message;
  std::string payload;
};

// Completes one inbound call exactly once (the first reply wins). Production
// wraps a ttrpc::Responder; replay and tests capture the reply.
using ReplyFn = std::function<void(const RpcReply&)>;

// One inbound call's answer, given at most once by whoever has it first: the
// frontend when the actors answer, or the effects the moment the shim
// answers a call the supervisor passes through unchanged (no hop back
// through the actors). Thread-safe.
class AnswerOnce {
 public:
  explicit AnswerOnce(ReplyFn fn) : fn_(std::move(fn)) {}
  // False: answered already; r is dropped.
  bool answer(const RpcReply& r) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return false;
    fn_(r);
    return true;
  }

 private:
  ReplyFn fn_;
  std::atomic<bool> done_{false};
};

// A call's ttrpc metadata (key, value), in the order the caller sent it.
using CallMetadata = std::vector<std::pair<std::string, std::string>>;

// One fccontrol call for one VM: the serialized request as the client sent it
// (forwarded to the shim unchanged) and the caller's deadline.
struct VmCall {
  Method method = Method::get_vm_info;
  std::string payload;
  int64_t timeout_ms = 0;  // what is left of the caller's deadline; 0: none
  // The inbound call's answer (set by the frontend). The supervisor leaves it
  // set only on a call whose reply it passes through unchanged, so the
  // effects can hand the shim's reply to it at once (VmEffects::call_shim).
  // Local only: not serialized.
  std::shared_ptr<AnswerOnce> answer;
  // All of the caller's ttrpc metadata, forwarded to the shim as the seed
  // forwards its context (the namespace among it).
  CallMetadata metadata;
};
inline RpcReply reply_of(const Status& s) {
  return RpcReply{static_cast<int32_t>(s.code()), s.message(), {}};
}

// A running shim found by a restarted emberd (from its shim-state.json).
struct ShimRecord {
  int32_t pid = 0;
  uint64_t start_time = 0;  // guards against pid reuse
  std::string shim_socket;
  std::string fccontrol_socket;
};

// How a shim process ended: exit code, or the signal that killed it. An
// adopted shim is not our child: its status is unknown (-1, 0).
struct ShimExit {
  ShimExit() = default;
  ShimExit(int32_t code_, int32_t signal_, int32_t failure_code_ = 0, std::string failure_ = {})
      : code(code_), signal(signal_), failure_code(failure_code_), failure(std::move(failure_)) {}
  int32_t code = 0;
  int32_t signal = 0;
  // Why the shim could not start, in its own words (the launch contract's
  // start-failure line, shimproc/launch_contract.hpp); failure_code 0: it
  // gave none.
  int32_t failure_code = 0;
  std::string failure;
};

// A decoded ttrpc request handed from the I/O thread to the frontend, with
// what answers it. Local only (never serialized).
struct InboundRpc {
  Method method = Method::get_vm_info;
  std::string ns;
  std::string payload;
  int64_t timeout_nano = 0;
  ReplyFn reply;
  CallMetadata metadata;  // every key, the namespace's included
};

}  // namespace ember::msg
