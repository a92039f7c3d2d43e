#pragma once
// World: emberd's frontend, registry and supervisors in one actor system on
// CAF's deterministic test coordinator, stepped one message at a time. The
// replay drivers (sim, explore) decide what runs next. CAF-free header.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "journal.pb.h"
#include "messages/vm_effects.hpp"
#include "messages/vm_types.hpp"

namespace ember::replay {

struct ActorSet;

// An actor a Step record names, as the replay knows it.
struct ActorRef {
  // none: no sender (an input); unnamed: an actor that takes no steps (the
  // frontend, or emberd's own callers at start-up and shutdown).
  enum class Kind { none, unnamed, registry, vm };
  Kind kind = Kind::none;
  std::string vm;        // kind vm: "ns/id"
  uint32_t ordinal = 0;  // kind vm: which supervisor of vm, from 1
};

class World {
 public:
  // trace: where every delivered message is appended; null for none.
  World(const journal::Header& header, msg::EffectsFactory& effects, const ActorSet* actors,
        std::string* trace);
  ~World();
  // Ends every actor now (calls still open get their errors, through the
  // callbacks they were given); the destructor does it otherwise.
  void close();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // An RPC from the I/O thread: (rpc_atom, InboundRpc) to the frontend.
  void inject_rpc(msg::InboundRpc rpc);
  // A recovered shim for the registry to adopt; done gets the registry's answer.
  void inject_adopt(const msg::VmKey& key, const msg::ShimRecord& record, msg::ReplyFn done);

  // Actors with a message to handle (or an initialization to run).
  size_t ready() const;
  // Lets ready actor number i (0: the first) handle one message.
  void run_one(size_t i);
  void run_until_idle();
  // Lets `actor` handle the first message in its mailbox from `sender` whose
  // leading atom is `kind` (journal.proto Step), ahead of any other. A
  // message from emberd's own callers that replay does not inject otherwise
  // (stop all, detach, count) is sent first. False: no such actor or message.
  bool run_step(const ActorRef& actor, const ActorRef& sender, uint64_t kind);
  // Lets the actors that take no steps (the frontend, the stand-in for
  // emberd's own callers) handle all they have.
  void run_stepless();
  // The registry's count of VMs; only when idle. Not traced, and leaves the
  // world idle again.
  uint32_t registry_entries();
  // Messages the registry has handled so far (its state changes only then).
  uint64_t registry_steps() const;
  // Adds a line to the trace (an input being injected).
  void note(const std::string& line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::replay
