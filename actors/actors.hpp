#pragma once
// Spawning emberd's actors. Include only from actor translation units and tests.
#include <functional>
#include <memory>

#include "actors/actor_deps.hpp"
#include "messages/vm_protocol.hpp"

namespace caf {
class actor_system;
}
namespace ember::metrics {
class Metrics;
}

namespace ember::actors {

// Makes the supervisor of one VM. The registry calls it for each CreateVM;
// tests substitute their own.
using SupervisorFactory = std::function<msg::supervisor_actor(caf::actor_system&, msg::VmKey)>;

msg::supervisor_actor spawn_vm_supervisor(caf::actor_system& sys, msg::VmKey key, ActorDeps deps);
msg::registry_actor spawn_registry(caf::actor_system& sys, ActorDeps deps,
                                   SupervisorFactory make_supervisor);
// With metrics, its VMs are counted in the ember_vms gauge by shown state.
msg::inventory_actor spawn_inventory(caf::actor_system& sys, metrics::Metrics* metrics = nullptr);
// The InventorySink that reports to inventory (thread-safe).
std::unique_ptr<msg::InventorySink> inventory_sink(msg::inventory_actor inventory);
msg::frontend_actor spawn_frontend(caf::actor_system& sys, msg::registry_actor registry,
                                   ActorDeps deps);

}  // namespace ember::actors
