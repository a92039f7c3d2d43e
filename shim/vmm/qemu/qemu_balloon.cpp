#include "shim/vmm/qemu/qemu_balloon.hpp"

#include <algorithm>

#include "shim/vmm/balloon.hpp"

namespace ember::shim::qemu {
namespace {

int64_t stat_value(const nlohmann::json& stats, const char* name) {
  if (!stats.is_object()) return 0;
  auto it = stats.find(name);
  if (it == stats.end() || !it->is_number_integer()) return 0;
  return std::max<int64_t>(0, it->get<int64_t>());
}

}  // namespace

int64_t qemu_balloon_value(uint32_t memory_mib, int64_t amount_mib) {
  return std::max<int64_t>(1, mib_to_bytes(static_cast<int64_t>(memory_mib) - amount_mib));
}

Status qemu_balloon_stats(uint32_t memory_mib, int64_t target_mib, const nlohmann::json& balloon,
                          const nlohmann::json& guest_stats, BalloonStats* out) {
  if (!balloon.is_object() || !balloon.contains("actual") ||
      !balloon["actual"].is_number_integer()) {
    return Status::Internal("query-balloon gave no actual size: " + balloon.dump());
  }
  const int64_t ram = mib_to_bytes(memory_mib);
  const int64_t held = std::max<int64_t>(0, ram - balloon["actual"].get<int64_t>());
  const nlohmann::json stats = guest_stats.is_object() && guest_stats.contains("stats")
                                   ? guest_stats["stats"]
                                   : nlohmann::json::object();
  BalloonStats s;
  s.actual_mib = (held + (1 << 19)) >> 20;  // nearest MiB
  s.actual_pages = held >> 12;
  s.target_mib = target_mib;
  s.target_pages = mib_to_pages(target_mib);
  s.available_memory = stat_value(stats, "stat-available-memory");
  s.disk_caches = stat_value(stats, "stat-disk-caches");
  s.free_memory = stat_value(stats, "stat-free-memory");
  s.hugetlb_allocations = stat_value(stats, "stat-htlb-pgalloc");
  s.hugetlb_failures = stat_value(stats, "stat-htlb-pgfail");
  s.major_faults = stat_value(stats, "stat-major-faults");
  s.minor_faults = stat_value(stats, "stat-minor-faults");
  s.swap_in = stat_value(stats, "stat-swap-in");
  s.swap_out = stat_value(stats, "stat-swap-out");
  s.total_memory = stat_value(stats, "stat-total-memory");
  *out = s;
  return Status::Ok();
}

}  // namespace ember::shim::qemu
