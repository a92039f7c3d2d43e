#pragma once
// The fleet (docs/fleet.md) as CAF-free values: what a member reports to the
// front, and what the front knows of each member. The actor interfaces that
// carry them are in fleet_protocol.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "messages/vm_inventory.hpp"
#include "messages/vm_types.hpp"

namespace ember::msg {

// What a member can still take.
struct MemberCapacity {
  uint32_t vms = 0;               // VMs registered on the member
  uint32_t max_vms = 0;           // its limits.max_vms
  uint64_t free_memory_mib = 0;   // the host's MemAvailable, as last read
  uint64_t total_memory_mib = 0;  // the host's MemTotal
};

// One VM a member holds: enough for the front to place and order it.
struct FleetVm {
  VmKey key;
  int64_t created_unix_nano = 0;  // when the member created it (0: unknown)
};

// A member's answer to the front's report request: its name and capacity,
// and with_vms every VM it holds (after a link comes up, to rebuild or
// re-check the placement).
struct MemberReport {
  std::string member;  // the member's fleet.name
  MemberCapacity capacity;
  bool with_vms = false;
  std::vector<FleetVm> vms;
};

// A member as the front sees it.
enum class MemberState : uint8_t {
  connecting = 1,  // no link yet (never had one, or re-connecting)
  up = 2,          // linked, and its last report came in time
  lost = 3,        // the link went down or reports stopped: its VMs answer UNAVAILABLE
  refused = 4,     // the link failed TLS or the member gave another name
};
const char* to_string(MemberState s);

struct MemberStatus {
  std::string name;
  std::string address;  // host:port from fleet.members
  MemberState state = MemberState::connecting;
  std::string reason;       // why lost or refused; "" when up
  uint32_t placed_vms = 0;  // VMs the front routes to it
  MemberCapacity capacity;  // as last reported
  int64_t last_report_unix_nano = 0;
  std::vector<VmKey> conflicts;  // VMs it holds that another member won (docs/fleet.md)
};

}  // namespace ember::msg
