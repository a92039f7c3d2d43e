// fleet members.
#include "cmd/emberctl/fleet_commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "cmd/emberctl/inventory_commands.hpp"
#include "ember_fleet.pb.h"
#include "messages/ember_fleet.hpp"
#include "messages/fleet_types.hpp"

namespace ember::ctl {
namespace {

// ember.v1.MemberState is numbered as msg::MemberState.
std::string state_name(v1::MemberState s) {
  if (s < v1::CONNECTING || s > v1::REFUSED) return "unknown";
  return msg::to_string(static_cast<msg::MemberState>(s));
}

// "0.4s ago"; "-" before the first report.
std::string age(int64_t unix_nano) {
  if (unix_nano <= 0) return "-";
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t tenths = std::max<int64_t>(0, (now - unix_nano) / 100000000);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s ago";
}

std::string conflicts(const v1::Member& m, const char* separator) {
  std::string out;
  for (const auto& k : m.conflicts())
    out += (out.empty() ? "" : separator) + k.namespace_() + "/" + k.vmid();
  return out;
}

nlohmann::ordered_json fields_of(const v1::Member& m) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : m.conflicts())
    keys.push_back({{"Namespace", k.namespace_()}, {"VMID", k.vmid()}});
  return {{"Name", m.name()},
          {"Address", m.address()},
          {"State", state_name(m.state())},
          {"Reason", m.reason()},
          {"PlacedVMs", m.placedvms()},
          {"VMs", m.vms()},
          {"MaxVMs", m.maxvms()},
          {"FreeMemoryMib", m.freememorymib()},
          {"TotalMemoryMib", m.totalmemorymib()},
          {"LastReportUnixNano", m.lastreportunixnano()},
          {"Conflicts", keys}};
}

void print_members(const v1::ListMembersResponse& list, Output& out, bool json) {
  if (json) {
    nlohmann::ordered_json members = nlohmann::ordered_json::array();
    for (const auto& m : list.members())
      members.push_back(fields_of(m));
    out.record({{"Members", members}});
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "ADDRESS", "STATE", "VMS", "MAX", "FREE-MIB", "LAST-REPORT", "CONFLICTS", "REASON"}};
  for (const auto& m : list.members()) {
    const std::string c = conflicts(m, ",");
    rows.push_back({m.name(), m.address(), state_name(m.state()), std::to_string(m.placedvms()),
                    m.maxvms() ? std::to_string(m.maxvms()) : "-",
                    m.totalmemorymib() ? std::to_string(m.freememorymib()) : "-",
                    age(m.lastreportunixnano()), c.empty() ? "-" : c,
                    m.reason().empty() ? "-" : m.reason()});
  }
  out.text(text_table(rows));
}

}  // namespace

void add_fleet_commands(CLI::App& root, Action* chosen) {
  CLI::App* fleet = root.add_subcommand("fleet", "A fleet front's members (docs/fleet.md)");
  fleet->require_subcommand(1);
  CLI::App* members = fleet->add_subcommand(
      "members", "Each member's state, placed VMs, capacity and conflicts (ListMembers)");
  members->callback([=] {
    *chosen = [](Invocation& inv) {
      v1::ListMembersRequest req;
      v1::ListMembersResponse list;
      Status st = inv.call_service(msg::kFleetService, msg::kFleetListMembers, req, &list,
                                   kDefaultCallTimeout);
      if (st.ok()) print_members(list, inv.output(), inv.globals().json);
      return st;
    };
  });
}

}  // namespace ember::ctl
