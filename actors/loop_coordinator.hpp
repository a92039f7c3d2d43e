#pragma once
// Runs every actor of an actor system on one io::EventLoop thread, instead of
// CAF's worker threads. A forwarded call then crosses no thread inside
// emberd: the request is read, passes the frontend, registry and supervisor,
// goes to the shim and comes back all on the I/O thread, with no wake-up of
// another thread on its path (each one cost tens of microseconds here;
// docs/benchmarks.md). The actors never block, so one thread serves them.
//
// Consequence: code on the loop thread must never wait for an actor (a
// scoped_actor's receive there would deadlock); emberd's own requests
// (recovery, stop all, shutdown) come from the main thread.
namespace caf {
class actor_system_config;
}
namespace ember::io {
class EventLoop;
}

namespace ember::actors {

// Makes the actor system built from cfg schedule its actors on loop, which
// must run (on some thread) whenever an actor has work and until the actor
// system is destroyed.
void schedule_actors_on(io::EventLoop& loop, caf::actor_system_config& cfg);

}  // namespace ember::actors
