#pragma once
// Runs CAF's network multiplexer (the middleman's I/O: the fleet's TLS links)
// on emberd's I/O thread instead of a thread of its own. A remote message
// then crosses no thread inside emberd: the actors already run on that loop
// (actors/loop_coordinator.hpp), and the middleman's thread was the last
// hand-off, two per forwarded call on each host, each a wake-up of another
// thread (docs/fleet.md, "Figures").
// Ask remote actors from event-based actors (as emberd does): a blocking
// actor (caf::scoped_actor) asking a remote actor in this mode was seen to
// get its first answer and then stall (fleet_links_test asks from an
// event-based actor for that reason); emberd's scoped actors ask only local
// actors.
// Include only from actor translation units: the callers hold CAF types.
#include <memory>

namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf
namespace ember::io {
class EventLoop;
}  // namespace ember::io

namespace ember::actors {

// Before the actor system is built from cfg (with the middleman loaded):
// the middleman starts no thread of its own.
void drive_middleman_from_loop(caf::actor_system_config& cfg);

// After (sys built from cfg, its actors scheduled on loop by
// schedule_actors_on), for as long as it lives: the multiplexer runs on loop.
// Destroy it before sys, while loop runs (any thread but the loop's): it ends
// the middleman's BASP broker on loop and runs the multiplexer's last steps
// there, so the middleman's own stop() (which, without a thread of its own,
// would drain on the destroying thread for as long as any socket stays ready:
// forever after a failed TLS handshake) finds nothing left to do.
class MiddlemanOnLoop {
 public:
  MiddlemanOnLoop(io::EventLoop& loop, caf::actor_system& sys, caf::actor_system_config& cfg);
  ~MiddlemanOnLoop();
  MiddlemanOnLoop(const MiddlemanOnLoop&) = delete;
  MiddlemanOnLoop& operator=(const MiddlemanOnLoop&) = delete;

 private:
  struct State;
  io::EventLoop& loop_;
  std::unique_ptr<State> state_;
};

}  // namespace ember::actors
