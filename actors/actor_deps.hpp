#pragma once
// What emberd's actors use from outside the actor system. Both objects outlive
// the actor system (main constructs them first).
namespace ember::config {
struct Config;
}
namespace ember::msg {
class EffectsFactory;
}

namespace ember::actors {

struct ActorDeps {
  const config::Config* cfg = nullptr;     // daemon settings
  msg::EffectsFactory* effects = nullptr;  // every OS effect of a VM
};

}  // namespace ember::actors
