#pragma once
// The names of emberd's tombstone service on the wire
// (ember_tombstone_service.proto), shared by emberd and emberctl.
namespace ember::msg {

inline constexpr const char* kTombstoneService = "ember.v1.Tombstones";
inline constexpr const char* kTombstoneGet = "Get";

}  // namespace ember::msg
