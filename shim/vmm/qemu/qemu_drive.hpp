#pragma once
// A VmSpec drive as QEMU arguments: a -drive with its cache mode and
// throttling, and the virtio-blk device on it (docs/qemu-backend.md).
#include <string>
#include <vector>

#include "base/status.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim::qemu {

// QEMU's largest throttling value (THROTTLE_VALUE_MAX in util/throttle.c).
inline constexpr long double kMaxThrottleValue = 1e15L;

// "-drive id=<id>,file=...,format=raw,if=none,readonly=..[,cache=..][,throttling..]"
// "-device virtio-blk-device,drive=<id>" appended to args. `field` names the
// request's drive in a refusal ("RootDrive", "DriveMounts[0]").
Status add_qemu_drive(const std::string& id, const std::string& path, bool writable,
                      const DriveIo& io, const std::string& field, std::vector<std::string>* args);

// The root drive ("root"), then each DriveMounts entry ("drive<i>"): the
// guest's vda, vdb, ... in this order (shim/drive_request.hpp).
Status add_qemu_drives(const VmSpec& spec, std::vector<std::string>* args);

// The throttling options (each with its leading ',') for a Firecracker rate
// limiter. A bucket refills `size` every `refill_time` ms: the average rate
// is size * 1000 / refill_time per second (rounded up), throttling.*-total;
// a burst of `size` at once is throttling.*-total-max (that rate for the
// default max-length of 1 s; at least the average, as QEMU requires). A
// bucket with a zero size or refill time limits nothing, as in Firecracker.
// INVALID_ARGUMENT naming field when a rate exceeds kMaxThrottleValue.
Status throttling_options(const RateLimiter& limiter, const std::string& field, std::string* out);

}  // namespace ember::shim::qemu
