#pragma once
// The names of emberd's inventory service and of the shim's status stream on
// the wire (ember_inventory.proto), shared by emberd, ember-shim and emberctl.
namespace ember::msg {

inline constexpr const char* kInventoryService = "ember.v1.Inventory";
inline constexpr const char* kInventoryListVMs = "ListVMs";
inline constexpr const char* kInventoryWatch = "Watch";

inline constexpr const char* kVmStatusService = "ember.v1.VmStatus";
inline constexpr const char* kVmStatusWatch = "Watch";

}  // namespace ember::msg
