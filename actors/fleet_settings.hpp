#pragma once
// What the fleet front needs from emberd's configuration (docs/fleet.md),
// as a plain CAF-free struct: cmd/emberd fills it from the fleet section.
#include <cstdint>
#include <string>
#include <vector>

namespace ember::actors {

// One configured member: its fleet.name and where it listens.
struct FleetMemberAddress {
  std::string name;
  std::string host;
  uint16_t port = 0;
  std::string address;  // "host:port" as written in fleet.members (for messages)
};

struct FleetFrontSettings {
  std::vector<FleetMemberAddress> members;
  // fleet.report_interval_ms: the front sends itself tick_atom this often.
  // 0: it does not; whoever drives it sends tick_atom (tests, fleet-sim).
  uint32_t report_interval_ms = 1000;
  uint32_t member_timeout_ms = 3000;  // fleet.member_timeout_ms
};

}  // namespace ember::actors
