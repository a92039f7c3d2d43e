#include "actors/fleet_placement.hpp"

#include <tuple>

namespace ember::actors {
namespace {

// Why c cannot take the VM; "" if it can.
std::string refusal(const PlacementCandidate& c, uint64_t memory_mib) {
  if (!c.up) return std::string(c.name) + " is " + std::string(c.state);
  if (c.placed >= c.max_vms)
    return std::string(c.name) + " is full (" + std::to_string(c.placed) + " of " +
           std::to_string(c.max_vms) + " VMs)";
  if (c.free_memory_mib < memory_mib)
    return std::string(c.name) + " has " + std::to_string(c.free_memory_mib) + " MiB free, " +
           std::to_string(memory_mib) + " needed";
  return {};
}

// Whether a is a better choice than b (both fit).
bool better(const PlacementCandidate& a, const PlacementCandidate& b) {
  // more free memory ranks first: compare b's against a's
  return std::tie(a.placed, b.free_memory_mib, a.name) <
         std::tie(b.placed, a.free_memory_mib, b.name);
}

}  // namespace

Status choose_member(const std::vector<PlacementCandidate>& candidates, const std::string& vm_id,
                     uint64_t memory_mib, size_t* chosen) {
  bool found = false;
  std::string why;
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::string no = refusal(candidates[i], memory_mib);
    if (!no.empty()) {
      why += (why.empty() ? "" : ", ") + no;
      continue;
    }
    if (!found || better(candidates[i], candidates[*chosen])) *chosen = i;
    found = true;
  }
  if (found) return Status::Ok();
  if (candidates.empty()) why = "the fleet has no member";
  return Status::ResourceExhausted("no fleet member can take VM " + vm_id + ": " + why);
}

}  // namespace ember::actors
