#include "shim/vmm/balloon.hpp"

#include <gtest/gtest.h>

namespace ember::shim {
namespace {

TEST(BalloonTest, AcceptsAmountsFromZeroToTheVmMemory) {
  EXPECT_TRUE(check_balloon_amount(0, 128).ok());
  EXPECT_TRUE(check_balloon_amount(64, 128).ok());
  EXPECT_TRUE(check_balloon_amount(128, 128).ok());
}

TEST(BalloonTest, RefusesANegativeAmount) {
  Status s = check_balloon_amount(-1, 128);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon AmountMib -1 is negative");
}

TEST(BalloonTest, RefusesAnAmountLargerThanTheVmMemory) {
  Status s = check_balloon_amount(129, 128);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon AmountMib 129 exceeds the VM's memory of 128 MiB");
}

TEST(BalloonTest, RefusesANegativePollingInterval) {
  EXPECT_TRUE(check_balloon_interval(0).ok());
  EXPECT_TRUE(check_balloon_interval(5).ok());
  Status s = check_balloon_interval(-3);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "balloon StatsPollingIntervals -3 is negative");
}

TEST(BalloonTest, ChecksBothFieldsOfADevice) {
  EXPECT_TRUE(check_balloon_device({32, true, 1}, 128).ok());
  EXPECT_EQ(check_balloon_device({256, false, 0}, 128).code(), Code::invalid_argument);
  EXPECT_EQ(check_balloon_device({32, false, -1}, 128).code(), Code::invalid_argument);
}

TEST(BalloonTest, SynthesizedStatsAreConsistentWithTheTarget) {
  const BalloonStats s = synthesized_balloon_stats(256, 64);
  EXPECT_EQ(s.target_mib, 64);
  EXPECT_EQ(s.actual_mib, 64);
  EXPECT_EQ(s.target_pages, 64 * 256);
  EXPECT_EQ(s.actual_pages, 64 * 256);
  EXPECT_EQ(s.total_memory, int64_t{192} << 20);
  EXPECT_GT(s.free_memory, 0);
  EXPECT_LE(s.free_memory, s.available_memory);
  EXPECT_LE(s.available_memory, s.total_memory);
  EXPECT_EQ(s.available_memory, s.free_memory + s.disk_caches);
  EXPECT_EQ(s.swap_in, 0);
  EXPECT_EQ(s.swap_out, 0);
  EXPECT_EQ(s.hugetlb_failures, 0);
}

TEST(BalloonTest, AFullyInflatedBalloonLeavesNoMemory) {
  const BalloonStats s = synthesized_balloon_stats(128, 128);
  EXPECT_EQ(s.total_memory, 0);
  EXPECT_EQ(s.free_memory, 0);
  EXPECT_EQ(s.available_memory, 0);
}

}  // namespace
}  // namespace ember::shim
