// Registers every type the fleet sends between hosts, so that CAF's
// middleman can serialize it (an unregistered type is dropped at the
// receiving node), and names the member states.
#include <caf/actor_system_config.hpp>

#include <vector>

#include "messages/fleet_protocol.hpp"

namespace ember::msg {

void add_fleet_message_types(caf::actor_system_config& cfg) {
  // add_message_type registers std::vector<T> along with each T.
  cfg.add_message_type<VmKey>("ember::VmKey");
  cfg.add_message_type<VmCall>("ember::VmCall");
  cfg.add_message_type<RpcReply>("ember::RpcReply");
  cfg.add_message_type<Method>("ember::Method");
  cfg.add_message_type<MemberCapacity>("ember::MemberCapacity");
  cfg.add_message_type<FleetVm>("ember::FleetVm");
  cfg.add_message_type<MemberReport>("ember::MemberReport");
  cfg.add_message_type<GuestStatus>("ember::GuestStatus");
  cfg.add_message_type<VmSummary>("ember::VmSummary");
  cfg.add_message_type<VmChange>("ember::VmChange");
  cfg.add_message_type<MemberStatus>("ember::MemberStatus");
  cfg.add_message_type<MemberState>("ember::MemberState");
  cfg.add_message_type<fleet_member_actor>("ember::fleet_member_actor");
}

}  // namespace ember::msg
