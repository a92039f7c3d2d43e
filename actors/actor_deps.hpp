#pragma once
// What emberd's actors use from outside the actor system. Both objects outlive
// the actor system (main constructs them first).
#include "messages/vm_effects.hpp"
#include "messages/vm_inventory.hpp"

namespace ember::config {
struct Config;
}
namespace ember::metrics {
class Metrics;
}

namespace ember::actors {

struct ActorDeps {
  const config::Config* cfg = nullptr;      // daemon settings
  msg::EffectsFactory* effects = nullptr;   // every OS effect of a VM
  metrics::Metrics* metrics = nullptr;      // counters to update; null: none
  msg::InventorySink* inventory = nullptr;  // where VMs' changes go; null: nowhere
  // Where the actors report their steps for a journal; null: nowhere.
  msg::StepSink* steps() const { return effects != nullptr ? effects->steps() : nullptr; }
};

}  // namespace ember::actors
