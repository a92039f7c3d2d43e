// A drive's CacheType and RateLimiter as QEMU -drive options.
#include "shim/vmm/qemu/qemu_drive.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ember::shim::qemu {
namespace {

std::string throttling(const RateLimiter& r, Status* status = nullptr) {
  std::string out = "unset";
  Status s = throttling_options(r, "DriveMounts[0]", &out);
  if (status != nullptr) *status = s;
  EXPECT_TRUE(status != nullptr || s.ok()) << s.ToString();
  return out;
}

TEST(QemuDriveTest, ABucketIsItsAverageRateWithABurstOfItsSize) {
  RateLimiter r;
  // 1 MiB every 100 ms: 10 MiB/s on average; the bucket (1 MiB) is less
  // than a second of that, so the burst rate is the average.
  r.bandwidth = TokenBucket{1 << 20, 0, 100};
  EXPECT_EQ(throttling(r), ",throttling.bps-total=10485760,throttling.bps-total-max=10485760");
  // 1000 operations every 10 s: 100/s, bursts of 1000 at once.
  r.bandwidth.reset();
  r.ops = TokenBucket{1000, 0, 10000};
  EXPECT_EQ(throttling(r), ",throttling.iops-total=100,throttling.iops-total-max=1000");
  // Rates round up: 10 every 3 s is 3.33/s -> 4.
  r.bandwidth = TokenBucket{4096, 0, 1000};
  r.ops = TokenBucket{10, 0, 3000};
  EXPECT_EQ(throttling(r),
            ",throttling.bps-total=4096,throttling.bps-total-max=4096"
            ",throttling.iops-total=4,throttling.iops-total-max=10");
}

TEST(QemuDriveTest, ABucketWithoutSizeOrRefillTimeLimitsNothing) {
  RateLimiter r;
  r.bandwidth = TokenBucket{0, 0, 1000};
  r.ops = TokenBucket{100, 0, 0};
  EXPECT_EQ(throttling(r), "");
}

TEST(QemuDriveTest, ARateBeyondQemusLimitIsRefusedNamingTheBucket) {
  RateLimiter r;
  r.ops = TokenBucket{INT64_MAX, 0, 1};
  Status s;
  EXPECT_EQ(throttling(r, &s), "unset");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(),
            "DriveMounts[0].RateLimiter.Ops (Capacity 9223372036854775807, RefillTime 1 ms) "
            "exceeds QEMU's throttling limit of 10^15 per second");
}

TEST(QemuDriveTest, CacheTypeAndThrottlingGoOnTheDrive) {
  std::vector<std::string> args;
  DriveIo io;
  io.cache_type = "Unsafe";
  ASSERT_TRUE(add_qemu_drive("drive0", "/d/a,b", true, io, "DriveMounts[0]", &args).ok());
  io.cache_type = "Writeback";
  io.rate_limiter = RateLimiter{TokenBucket{2000000, 0, 1000}, std::nullopt};
  ASSERT_TRUE(add_qemu_drive("root", "/d/root", false, io, "RootDrive", &args).ok());
  EXPECT_EQ(args, (std::vector<std::string>{
                      "-drive",
                      "id=drive0,file=/d/a,,b,format=raw,if=none,readonly=off,cache=unsafe",
                      "-device",
                      "virtio-blk-device,drive=drive0",
                      "-drive",
                      "id=root,file=/d/root,format=raw,if=none,readonly=on,cache=writeback,"
                      "throttling.bps-total=2000000,throttling.bps-total-max=2000000",
                      "-device",
                      "virtio-blk-device,drive=root",
                  }));
}

TEST(QemuDriveTest, NoCacheTypeKeepsQemusDefault) {
  std::vector<std::string> args;
  ASSERT_TRUE(add_qemu_drive("root", "/d/root", false, DriveIo{}, "RootDrive", &args).ok());
  EXPECT_EQ(args[1], "id=root,file=/d/root,format=raw,if=none,readonly=on");
}

}  // namespace
}  // namespace ember::shim::qemu
