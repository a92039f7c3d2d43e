#pragma once
// Balloon bookkeeping shared by every backend: which values a VM's balloon
// device may take, and the device's current settings once the VMM accepted
// them.
#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

// OK, or INVALID_ARGUMENT: the target must lie in [0, memory_mib].
Status check_balloon_amount(int64_t amount_mib, uint32_t memory_mib);
// OK, or INVALID_ARGUMENT for a negative interval.
Status check_balloon_interval(int64_t seconds);
// Both checks, for a device given to CreateVM.
Status check_balloon_device(const BalloonDevice& device, uint32_t memory_mib);

// Stats a balloon would report in a guest that uses none of its memory
// besides what the balloon holds: consistent figures for backends without a
// guest (hollow) and for tests.
BalloonStats synthesized_balloon_stats(uint32_t memory_mib, int64_t amount_mib);

// MiB to 4 KiB pages.
inline int64_t mib_to_pages(int64_t mib) {
  return mib * 256;
}
inline int64_t mib_to_bytes(int64_t mib) {
  return mib << 20;
}

}  // namespace ember::shim
