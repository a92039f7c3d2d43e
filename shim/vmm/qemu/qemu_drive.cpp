#include "shim/vmm/qemu/qemu_drive.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "shim/vmm/qemu/qemu_command.hpp"

namespace ember::shim::qemu {
namespace {

// One bucket's options: ",throttling.<kind>-total=<avg>,throttling.<kind>-total-max=<max>".
Status bucket_options(const TokenBucket& b, const std::string& kind, const std::string& field,
                      std::string* out) {
  if (b.size <= 0 || b.refill_time_ms <= 0) return Status::Ok();
  const long double avg = std::ceil(static_cast<long double>(b.size) * 1000.0L /
                                    static_cast<long double>(b.refill_time_ms));
  const long double max = std::max(avg, static_cast<long double>(b.size));
  if (max > kMaxThrottleValue) {
    return Status::InvalidArgument(field + " (Capacity " + std::to_string(b.size) +
                                   ", RefillTime " + std::to_string(b.refill_time_ms) +
                                   " ms) exceeds QEMU's throttling limit of 10^15 per second");
  }
  const std::string prefix = ",throttling." + kind + "-total";
  *out += prefix + "=" + std::to_string(static_cast<int64_t>(avg)) + prefix +
          "-max=" + std::to_string(static_cast<int64_t>(max));
  return Status::Ok();
}

}  // namespace

Status throttling_options(const RateLimiter& limiter, const std::string& field, std::string* out) {
  std::string options;
  Status s = limiter.bandwidth ? bucket_options(*limiter.bandwidth, "bps",
                                                field + ".RateLimiter.Bandwidth", &options)
                               : Status::Ok();
  if (s.ok() && limiter.ops) {
    s = bucket_options(*limiter.ops, "iops", field + ".RateLimiter.Ops", &options);
  }
  if (s.ok()) *out = std::move(options);
  return s;
}

Status add_qemu_drive(const std::string& id, const std::string& path, bool writable,
                      const DriveIo& io, const std::string& field, std::vector<std::string>* args) {
  std::string drive = "id=" + id + ",file=" + qemu_escape(path) +
                      ",format=raw,if=none,readonly=" + (writable ? "off" : "on");
  // Firecracker's Unsafe ignores the guest's flushes, as QEMU's unsafe does;
  // its Writeback honours them, as QEMU's writeback (QEMU's default) does.
  if (io.cache_type == "Unsafe") drive += ",cache=unsafe";
  if (io.cache_type == "Writeback") drive += ",cache=writeback";
  if (io.rate_limiter) {
    std::string throttling;
    Status s = throttling_options(*io.rate_limiter, field, &throttling);
    if (!s.ok()) return s;
    drive += throttling;
  }
  args->insert(args->end(), {"-drive", drive, "-device", "virtio-blk-device,drive=" + id});
  return Status::Ok();
}

Status add_qemu_drives(const VmSpec& spec, std::vector<std::string>* args) {
  Status s;
  if (!spec.root_drive.empty()) {
    s = add_qemu_drive("root", spec.root_drive, spec.root_drive_writable, spec.root_drive_io,
                       "RootDrive", args);
  }
  for (size_t i = 0; s.ok() && i < spec.drive_mounts.size(); ++i) {
    const auto& d = spec.drive_mounts[i];
    s = add_qemu_drive("drive" + std::to_string(i), d.host_path, d.writable, d.io,
                       "DriveMounts[" + std::to_string(i) + "]", args);
  }
  return s;
}

}  // namespace ember::shim::qemu
