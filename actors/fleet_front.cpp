// The fleet front (docs/fleet.md). Skeleton: answers every call UNAVAILABLE
// until the placement is in.
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/fleet.hpp"

namespace ember::actors {
namespace {

using namespace msg;

fleet_front_actor::behavior_type front(fleet_front_actor::pointer, FleetFrontSettings,
                                       fleet_link_actor, ActorDeps) {
  return {
      [=](call_atom, const VmKey&, const VmCall&) {
        return reply_of(Status::Unavailable("the fleet front is not ready"));
      },
      [=](adopt_atom, const VmKey&, const ShimRecord&) {
        return reply_of(Status::FailedPrecondition("a fleet front adopts no VM"));
      },
      [=](stop_all_atom) { return uint32_t{0}; },
      [=](detach_atom) { return uint32_t{0}; },
      [=](count_atom) { return uint32_t{0}; },
      [=](members_atom) { return std::vector<MemberStatus>{}; },
      [=](list_atom, const InventoryQuery& q) { q.reply({}); },
      [=](watch_atom, const InventoryWatch&) {},
      [=](vm_change_atom, const std::string&, const VmChange&) {},
      [=](tick_atom) {},
  };
}

}  // namespace

msg::fleet_front_actor spawn_fleet_front(caf::actor_system& sys, FleetFrontSettings settings,
                                         msg::fleet_link_actor links, ActorDeps deps) {
  return sys.spawn(front, std::move(settings), std::move(links), deps);
}

caf::error fleet_link_refused(std::string why) {
  return caf::error{1, caf::atom("frefused"), caf::make_message(std::move(why))};
}

bool is_fleet_link_refused(const caf::error& e) {
  return e && e.category() == caf::atom("frefused");
}

}  // namespace ember::actors
