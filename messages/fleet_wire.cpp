#include "messages/fleet_wire.hpp"

#include "ember_fleet.pb.h"

namespace ember::msg {

std::string encode_member_list(const std::vector<MemberStatus>& members) {
  v1::ListMembersResponse out;
  for (const MemberStatus& m : members) {
    v1::Member* w = out.add_members();
    w->set_name(m.name);
    w->set_address(m.address);
    w->set_state(static_cast<v1::MemberState>(m.state));
    w->set_reason(m.reason);
    w->set_placedvms(m.placed_vms);
    w->set_vms(m.capacity.vms);
    w->set_maxvms(m.capacity.max_vms);
    w->set_freememorymib(m.capacity.free_memory_mib);
    w->set_totalmemorymib(m.capacity.total_memory_mib);
    w->set_lastreportunixnano(m.last_report_unix_nano);
    for (const VmKey& k : m.conflicts) {
      v1::VMKey* c = w->add_conflicts();
      c->set_namespace_(k.ns);
      c->set_vmid(k.id);
    }
  }
  return out.SerializeAsString();
}

const char* to_string(MemberState s) {
  switch (s) {
    case MemberState::connecting:
      return "connecting";
    case MemberState::up:
      return "up";
    case MemberState::lost:
      return "lost";
    case MemberState::refused:
      return "refused";
  }
  return "unknown";
}

}  // namespace ember::msg
