#pragma once
// The front's placement policy `fewest-vms` (docs/fleet.md), as a pure
// function over what the front knows of each member. CAF-free.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace ember::actors {

// One member as the policy sees it (views into the caller's strings: a
// placement among 1,000 members copies none).
struct PlacementCandidate {
  std::string_view name;
  bool up = false;
  std::string_view state;        // shown when not up: "lost", "connecting", "refused"
  uint32_t placed = 0;           // VMs the front routes to it, creates in flight included
  uint32_t max_vms = 0;          // its limits.max_vms, as reported
  uint64_t free_memory_mib = 0;  // as reported, less the creates in flight on it
};

// Among the candidates that are up, have placed < max_vms and
// free_memory_mib >= memory_mib: fewest placed, then most free memory, then
// lowest name. Sets *chosen to its index. None fits: RESOURCE_EXHAUSTED
// naming why each member cannot take VM vm_id.
Status choose_member(const std::vector<PlacementCandidate>& candidates, const std::string& vm_id,
                     uint64_t memory_mib, size_t* chosen);

}  // namespace ember::actors
