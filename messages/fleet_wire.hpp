#pragma once
// The fleet's values in their wire form (messages/ember_fleet.proto), kept
// out of actor translation units.
#include <string>
#include <vector>

#include "messages/fleet_types.hpp"

namespace ember::msg {

// A serialized ember.v1.ListMembersResponse.
std::string encode_member_list(const std::vector<MemberStatus>& members);

}  // namespace ember::msg
