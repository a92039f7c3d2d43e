#pragma once
// Spawning the fleet's actors (docs/fleet.md). Include only from actor
// translation units and tests: it pulls in CAF headers.
#include <string>

#include "actors/actor_deps.hpp"
#include "actors/fleet_settings.hpp"
#include "messages/fleet_protocol.hpp"

namespace caf {
class actor_system;
class error;
}  // namespace caf

namespace ember::actors {

// A member's facade (fleet.role: member): hands the front's calls to the
// member's own registry, and answers reports, lists and watches from its
// registry and inventory. deps.cfg gives limits.max_vms.
msg::fleet_member_actor spawn_fleet_member(caf::actor_system& sys, std::string name,
                                           msg::registry_actor registry,
                                           msg::inventory_actor inventory, ActorDeps deps);

// The front (fleet.role: front): the registry's interface over the members
// it reaches through links. deps.cfg gives the timeouts of CreateVM and
// StopVM and vm.memory_mib (a CreateVM's memory when it names none).
msg::fleet_front_actor spawn_fleet_front(caf::actor_system& sys, FleetFrontSettings settings,
                                         msg::fleet_link_actor links, ActorDeps deps);

// The error a fleet_link_actor answers when the member was reached but
// refused (TLS failed): the front marks the member refused, not lost.
caf::error fleet_link_refused(std::string why);
// Whether e was made by fleet_link_refused.
bool is_fleet_link_refused(const caf::error& e);

}  // namespace ember::actors
