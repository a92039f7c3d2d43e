#include "shim/vmm/balloon.hpp"

namespace ember::shim {

Status check_balloon_amount(int64_t amount_mib, uint32_t memory_mib) {
  if (amount_mib < 0) {
    return Status::InvalidArgument("balloon AmountMib " + std::to_string(amount_mib) +
                                   " is negative");
  }
  if (amount_mib > static_cast<int64_t>(memory_mib)) {
    return Status::InvalidArgument("balloon AmountMib " + std::to_string(amount_mib) +
                                   " exceeds the VM's memory of " + std::to_string(memory_mib) +
                                   " MiB");
  }
  return Status::Ok();
}

Status check_balloon_interval(int64_t seconds) {
  if (seconds < 0) {
    return Status::InvalidArgument("balloon StatsPollingIntervals " + std::to_string(seconds) +
                                   " is negative");
  }
  return Status::Ok();
}

Status check_balloon_device(const BalloonDevice& device, uint32_t memory_mib) {
  Status s = check_balloon_amount(device.amount_mib, memory_mib);
  if (!s.ok()) return s;
  return check_balloon_interval(device.stats_polling_interval_s);
}

BalloonStats synthesized_balloon_stats(uint32_t memory_mib, int64_t amount_mib) {
  // The balloon has reached its target; the guest sees what is left of its
  // memory, half of it free and an eighth in the page cache.
  const int64_t total = mib_to_bytes(static_cast<int64_t>(memory_mib) - amount_mib);
  BalloonStats s;
  s.target_mib = amount_mib;
  s.target_pages = mib_to_pages(amount_mib);
  s.actual_mib = amount_mib;
  s.actual_pages = mib_to_pages(amount_mib);
  s.total_memory = total;
  s.free_memory = total / 2;
  s.disk_caches = total / 8;
  s.available_memory = s.free_memory + s.disk_caches;
  s.minor_faults = mib_to_pages(static_cast<int64_t>(memory_mib));  // every page touched once
  return s;
}

}  // namespace ember::shim
