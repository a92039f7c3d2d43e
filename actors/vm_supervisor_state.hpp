#pragma once
// What one VM's supervisor knows: its phase, with the data only that phase
// needs, and one table of the calls it still has to answer. Included only by
// actors/vm_supervisor.cpp.
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "actors/actor_deps.hpp"
#include "messages/vm_effects.hpp"
#include "messages/vm_protocol.hpp"

namespace ember::actors {

using Promise = caf::typed_response_promise<msg::RpcReply>;

// A call that arrived while the VM was being created; run once it runs.
struct QueuedCall {
  msg::VmCall call;
  Promise promise;
  msg::SteadyTime arrived;
  uint64_t id = 0;      // its wait's timer token
  int64_t wait_ms = 0;  // how long it may wait for the CreateVM
};

// No VM yet: the first call decides (CreateVM, or adopt at start-up).
struct Idle {};
// CreateVM: the shim is launched, then answers the forwarded CreateVM.
struct Creating {
  uint64_t create_id = 0;  // the CreateVM in `calls`
  msg::VmCall create;      // sent once the shim has started
  std::vector<QueuedCall> queued;
};
// Adopting a shim that outlived the previous emberd.
struct Adopting {
  Promise promise;
};
struct Running {};
// StopVM was sent to the shim; the VM is gone once the shim has exited.
struct Stopping {
  uint64_t stop_id = 0;                 // the StopVM in `calls` until answered
  std::optional<msg::RpcReply> answer;  // the shim's verdict, once it came
  bool forced = false;                  // emberd killed the shim at the timeout
};
// The VM cannot live on (a create or adoption failed): the shim is being
// killed, and the VM ends when it has exited and no call of `ends_call` is
// left open.
struct Ending {
  std::optional<msg::Method> ends_call;  // whose caller hears `outcome`
  msg::RpcReply outcome;
  Status refusal;  // what calls arriving meanwhile are told
};
using Phase = std::variant<Idle, Creating, Adopting, Running, Stopping, Ending>;

// A call forwarded to the shim (or about to be), by id.
struct PendingCall {
  msg::Method method;
  Promise promise;
  // The caller's answer when the effects may give it first (VmCall::answer):
  // the supervisor answers through it too, at once, so which answer wins is
  // decided in the supervisor's own order, which a journal replays.
  std::shared_ptr<msg::AnswerOnce> answer;
};

struct SupervisorState {
  msg::VmKey key;
  ActorDeps deps;
  Phase phase;
  // Every OS resource of the VM, behind the effects seam.
  std::unique_ptr<msg::VmEffects> fx;
  uint64_t next_call_id = 1;
  std::unordered_map<uint64_t, PendingCall> calls;
  bool has_shim = false;              // a shim process was started or adopted
  int32_t shim_pid = 0;               // for the inventory, once started
  std::optional<msg::ShimExit> exit;  // set once the shim's exit was seen
  // Why the VM ends when the supervisor ends it on purpose (e.g. a boot
  // watchdog); "": told by the phase (actors/vm_end.cpp). For its tombstone.
  std::string end_cause;

  std::string name_of() const { return key.ns + "/" + key.id; }

  static inline const char* name = "vm-supervisor";
};

}  // namespace ember::actors
