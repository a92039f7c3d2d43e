#pragma once
// Simulated fleet members and links, in process (docs/fleet.md): the
// front's tests and `emberctl bench fleet-sim` run the real front against
// them. A simulated member keeps its VMs in a map and answers as a real
// member would (ALREADY_EXISTS, NOT_FOUND, RESOURCE_EXHAUSTED); it runs no
// VM. Include only from actor translation units and tests (CAF headers).
#include <cstdint>
#include <map>
#include <string>

#include "messages/fleet_protocol.hpp"

namespace caf {
class actor_system;
}

namespace ember::actors {

using sim_add_atom = caf::atom_constant<caf::atom("fsimadd")>;
using sim_hold_atom = caf::atom_constant<caf::atom("fsimhold")>;
using sim_observe_atom = caf::atom_constant<caf::atom("fsimobs")>;
using sim_set_atom = caf::atom_constant<caf::atom("fsimset")>;
using sim_cut_atom = caf::atom_constant<caf::atom("fsimcut")>;

struct SimCapacity {
  uint32_t max_vms = 4096;
  uint64_t free_memory_mib = uint64_t{1} << 20;
  uint64_t total_memory_mib = uint64_t{1} << 20;
  uint32_t default_memory_mib = 128;  // a CreateVM's memory when it names none
};

using sim_member_actor = msg::fleet_member_actor::extend<
    // holds this VM already (as a member does after adopting it)
    caf::reacts_to<sim_add_atom, msg::FleetVm>,
    // true: answers nothing (calls, reports, lists: a partition, or a call
    // in flight) until false, which answers everything held, in order
    caf::reacts_to<sim_hold_atom, bool>,
    // tells the actor given (watch_atom, member name) each time a watch
    // arrives: the front sends one right after the member came up
    caf::reacts_to<sim_observe_atom, caf::actor>>;

sim_member_actor spawn_sim_member(caf::actor_system& sys, std::string name, SimCapacity capacity);

using sim_links_actor = msg::fleet_link_actor::extend<
    // (host:port, member): links to host:port reach member from now on
    caf::reacts_to<sim_set_atom, std::string, msg::fleet_member_actor>,
    // (host:port, refused, why): links to host:port fail (refused: as a TLS
    // refusal does, fleet_link_refused) until the next sim_set_atom
    caf::reacts_to<sim_cut_atom, std::string, bool, std::string>>;

// members: by "host:port". A link to an address it does not know fails.
sim_links_actor spawn_sim_links(caf::actor_system& sys,
                                std::map<std::string, msg::fleet_member_actor> members);

}  // namespace ember::actors
