#pragma once
// The balloon in QEMU's terms. QEMU's `balloon` command takes the guest's
// target RAM size in bytes, not the balloon's size, and query-balloon reports
// the RAM the guest has left ("actual"); Firecracker (and fccontrol) count
// the balloon itself in MiB.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "base/status.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim::qemu {

// The QOM path of the balloon device (its -device id=balloon0).
inline constexpr const char* kQemuBalloonPath = "/machine/peripheral/balloon0";

// The `balloon` command's value for a balloon of amount_mib: RAM minus the
// balloon, at least 1 byte (QEMU refuses 0: "Parameter 'target' expects a size").
int64_t qemu_balloon_value(uint32_t memory_mib, int64_t amount_mib);

// GetBalloonStats from query-balloon's return value and qom-get guest-stats's
// ({"stats": {...}, "last-update": n}). Actual = RAM - actual, target =
// target_mib (the shim's bookkeeping); memory figures in bytes as QEMU gives
// them; a stat the guest does not report (-1 or absent) is 0. INTERNAL when
// query-balloon has no numeric "actual".
Status qemu_balloon_stats(uint32_t memory_mib, int64_t target_mib, const nlohmann::json& balloon,
                          const nlohmann::json& guest_stats, BalloonStats* out);

}  // namespace ember::shim::qemu
