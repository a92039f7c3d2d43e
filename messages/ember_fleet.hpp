#pragma once
// The name of emberd's fleet service on the wire (ember_fleet.proto), shared
// by emberd and emberctl.
namespace ember::msg {

inline constexpr const char* kFleetService = "ember.v1.Fleet";
inline constexpr const char* kFleetListMembers = "ListMembers";

}  // namespace ember::msg
