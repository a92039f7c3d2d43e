#pragma once
// The fleet's conversation (docs/fleet.md), in one place:
//
//   front    --(link_atom, host, port) -> fleet_member_actor--> fleet links
//               (production: libcaf_openssl's middleman; fleet-sim and tests:
//               in-process members)
//   front    --(report_atom, with_vms) -> MemberReport--> member, every
//               fleet.report_interval_ms; no answer within
//               fleet.member_timeout_ms marks the member lost
//   front    --(call_atom, VmKey, VmCall) -> RpcReply--> member, which hands
//               it to its own registry (so the member's registry, supervisors
//               and shims do the work exactly as on one host)
//   front    --(list_atom, ns, all) -> vector<VmSummary>--> member
//   front    --(watch_atom, sink)--> member; the member then sends
//               (vm_change_atom, member name, VmChange) to sink on every change
//   frontend --(call_atom, VmKey, VmCall)--> front: the front has the
//               registry's interface, so emberd's frontend is the same
//
// Included only by actor translation units: it pulls in CAF headers. Every
// type sent between hosts is registered by add_fleet_message_types.
#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/fleet_types.hpp"
#include "messages/vm_protocol.hpp"

namespace ember::msg {

using link_atom = caf::atom_constant<caf::atom("flink")>;
using report_atom = caf::atom_constant<caf::atom("freport")>;
using members_atom = caf::atom_constant<caf::atom("fmembers")>;
using tick_atom = caf::atom_constant<caf::atom("ftick")>;
using host_atom = caf::atom_constant<caf::atom("fhost")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MemberCapacity& x) {
  return f(caf::meta::type_name("MemberCapacity"), x.vms, x.max_vms, x.free_memory_mib,
           x.total_memory_mib);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FleetVm& x) {
  return f(caf::meta::type_name("FleetVm"), x.key, x.created_unix_nano);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MemberReport& x) {
  return f(caf::meta::type_name("MemberReport"), x.member, x.capacity, x.with_vms, x.vms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, MemberStatus& x) {
  return f(caf::meta::type_name("MemberStatus"), x.name, x.address, x.state, x.reason, x.placed_vms,
           x.capacity, x.last_report_unix_nano, x.conflicts);
}

// One member, as the front reaches it over a link.
using fleet_member_actor =
    caf::typed_actor<caf::replies_to<call_atom, VmKey, VmCall>::with<RpcReply>,
                     caf::replies_to<report_atom, bool>::with<MemberReport>,
                     caf::replies_to<list_atom, std::string, bool>::with<std::vector<VmSummary>>,
                     // every change of the member's VMs goes to the actor given, as
                     // (vm_change_atom, member name, VmChange), until that actor is down
                     caf::reacts_to<watch_atom, caf::actor>,
                     // the host's free and total memory in MiB, from the daemon's own timer
                     // (the member reads no file itself); local only
                     caf::reacts_to<host_atom, uint64_t, uint64_t>>;

// How the front reaches members: the seam between the front and the network.
using fleet_link_actor =
    caf::typed_actor<caf::replies_to<link_atom, std::string, uint16_t>::with<fleet_member_actor>>;

// The front: the registry's interface (the frontend sends it every fccontrol
// call), plus the fleet's own questions.
using fleet_front_actor = registry_actor::extend<
    caf::replies_to<members_atom>::with<std::vector<MemberStatus>>,
    // every VM of the fleet (ns, or all namespaces), each with its member
    caf::reacts_to<list_atom, InventoryQuery>, caf::reacts_to<watch_atom, InventoryWatch>,
    caf::reacts_to<vm_change_atom, std::string, VmChange>, caf::reacts_to<tick_atom>>;

// Registers every type above (and the VM types they carry) for the network.
void add_fleet_message_types(caf::actor_system_config& cfg);

}  // namespace ember::msg
