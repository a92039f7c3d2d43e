#pragma once
// The effects seam: everything a VM's supervisor asks of the world goes
// through VmEffects, and every completion comes back through VmEvents, which
// the supervisor turns into a message to itself. The actors make no syscall
// of their own, so the same actor code runs over the real OS (ShimHost in
// shimproc/), over simulated effects in tests, and over a journal in replay.
//
// CAF-free: the production side includes this without any actor header.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.hpp"
#include "messages/vm_inventory.hpp"
#include "messages/vm_types.hpp"

namespace ember::msg {

using SteadyTime = std::chrono::steady_clock::time_point;

// How a VM ended, as its supervisor saw it: the cause (docs/operations-
// postmortem.md lists them: stop, stop-forced, guest-power-off, vmm-crash,
// shim-killed, shim-exited, create-failed, adopt-failed, or one a supervisor
// sets on purpose such as a boot watchdog's, SupervisorState::end_cause), a
// sentence, and the shim's exit.
struct VmEnd {
  std::string cause;
  std::string detail;
  ShimExit shim_exit;
  bool shim_exited = false;  // shim_exit is known
  // A CreateVM refused before any VMM ran leaves nothing behind: keep the
  // tombstone only if the VM left a console.
  bool only_with_console = false;
};

// Completions, in the order they happen. Implementations must be callable from
// any thread and must not block.
class VmEvents {
 public:
  virtual ~VmEvents() = default;
  // launch() or adopt() finished. OK: the shim runs as shim_pid and takes
  // calls. Not OK: nothing of the VM is left, except a shim (shim_pid > 0)
  // that is being killed; its shim_exited follows.
  virtual void started(Status status, int32_t shim_pid) = 0;
  // The shim answered call call_id (or the call failed: deadline, connection).
  virtual void shim_replied(uint64_t call_id, RpcReply reply) = 0;
  // The shim process ended and was reaped; at most once, after started().
  virtual void shim_exited(ShimExit exit) = 0;
  // start_timer(token) ran out.
  virtual void timer_fired(uint64_t token) = 0;
  // The shim reported its VM's status (its ember.v1.VmStatus stream, which
  // the effects follow from started() on): for the inventory only, it
  // decides nothing. Not journaled: replay has no inventory.
  virtual void guest_status(GuestStatus /*status*/) {}
};

// One VM's effects, owned by its supervisor. Destroying it releases what it
// still holds: connection closed, an unreleased shim killed and reaped, the
// VM directory and socket files removed.
class VmEffects {
 public:
  virtual ~VmEffects() = default;
  // Creates the VM directory and the shim's two listening sockets, spawns the
  // shim on them, watches for its exit and connects to it. -> started
  virtual void launch() = 0;
  // Takes over a shim that outlived a previous emberd: its directory, socket
  // files and process (checked against pid reuse), and a new connection.
  // -> started
  virtual void adopt(const ShimRecord& record) = 0;
  // Sends call to the shim; call.timeout_ms (if > 0) is its deadline.
  // -> shim_replied(call_id). With call.answer set, the reply is first handed
  // to it, on the effects' thread, as soon as it arrives. A CreateVM the shim
  // answered OK is first recorded as created (a restarted emberd adopts only
  // such VMs); if that fails, the reply is that failure.
  virtual void call_shim(uint64_t call_id, const VmCall& call) = 0;
  // SIGKILL to the shim's process group. -> shim_exited
  virtual void kill_shim(const std::string& why) = 0;
  // -> timer_fired(token) after `after`. A timer is not cancelled: a
  // supervisor ignores tokens it no longer waits for; one that runs out after
  // these effects are destroyed reaches nobody (and is not journaled).
  virtual void start_timer(std::chrono::milliseconds after, uint64_t token) = 0;
  // The VM ended for good: keeps its post-mortem record (the cause, its times,
  // the tail of its console) before remove_all() deletes the directory. Never
  // fails the VM: a record that cannot be kept is logged. No completion.
  virtual void keep_tombstone(const VmEnd& end) { (void)end; }
  // Closes the connection and the shim's output, removes the VM directory and
  // socket files. Done when it returns: a reply sent after it finds them gone.
  virtual void remove_all() = 0;
  // emberd is exiting: lets go of everything; the shim keeps running with its
  // directory and sockets, for the next emberd to adopt.
  virtual void detach() = 0;
  // The monotonic clock the supervisor measures waits with.
  virtual SteadyTime now() const = 0;
};

// The order in which the actors handle their messages, for replay
// (journal.proto, Step): each actor reports every message just before it
// handles it. Called on the actor's thread; must not block.
class StepSink {
 public:
  enum class Role { registry = 2, vm = 3 };
  struct Step {
    uint64_t actor = 0;   // the handling actor's id
    uint64_t sender = 0;  // the sending actor's id; 0: none
    uint64_t kind = 0;    // the message's leading atom; 0: none
    Role role = Role::registry;
    const VmKey* key = nullptr;  // role vm: the supervisor's VM
  };
  virtual ~StepSink() = default;
  virtual void step(const Step& s) = 0;
};

// Makes the effects of each VM. Shared by all supervisors; thread-safe.
class EffectsFactory {
 public:
  virtual ~EffectsFactory() = default;
  virtual std::unique_ptr<VmEffects> make(const VmKey& key, std::shared_ptr<VmEvents> events) = 0;
  // Where the actors report their steps; null: nobody records them.
  virtual StepSink* steps() { return nullptr; }
};

}  // namespace ember::msg
