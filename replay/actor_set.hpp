#pragma once
// Which actor code a replay runs. emberd's own by default; a test may swap in
// a registry built with a bug switch (tests/replay) to show that explore
// finds it. Includes CAF headers: replay and test translation units only.
#include "actors/actors.hpp"

namespace ember::replay {

struct ActorSet {
  using SpawnRegistry = msg::registry_actor (*)(caf::actor_system&, actors::ActorDeps,
                                                actors::SupervisorFactory);
  SpawnRegistry spawn_registry = &actors::spawn_registry;
};

}  // namespace ember::replay
