#pragma once
// The inventory's values to and from their wire form
// (messages/ember_inventory.proto), kept out of actor translation units.
#include <cstdint>
#include <string>
#include <vector>

#include "messages/vm_inventory.hpp"

namespace ember::msg {

// A serialized ember.v1.GuestStatus (a data frame of the shim's status
// stream). False if it does not decode.
bool decode_guest_status(const std::string& payload, GuestStatus* out);
// A serialized ember.v1.ListVMsResponse.
std::string encode_vm_list(const std::vector<VmSummary>& vms);
// A serialized ember.v1.VMEvent, stamped with unix_nano.
std::string encode_vm_change(const VmChange& change, int64_t unix_nano);

}  // namespace ember::msg
