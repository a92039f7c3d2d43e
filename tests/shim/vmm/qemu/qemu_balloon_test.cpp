// The balloon in QEMU's terms mapped to fccontrol's.
#include "shim/vmm/qemu/qemu_balloon.hpp"

#include <gtest/gtest.h>

namespace ember::shimtest {
namespace {

using nlohmann::json;

TEST(QemuBalloonTest, ValueIsTheGuestsTargetRamInBytes) {
  EXPECT_EQ(shim::qemu::qemu_balloon_value(256, 160), 96LL << 20);
  EXPECT_EQ(shim::qemu::qemu_balloon_value(256, 0), 256LL << 20);
  EXPECT_EQ(shim::qemu::qemu_balloon_value(256, 256), 1) << "QEMU refuses 0";
}

TEST(QemuBalloonTest, StatsMapQemuFiguresToFccontrolFields) {
  const json balloon = {{"actual", 96LL << 20}};
  const json guest = {{"stats",
                       {{"stat-available-memory", 188604416},
                        {"stat-free-memory", 185200640},
                        {"stat-disk-caches", 3010560},
                        {"stat-total-memory", 229138432},
                        {"stat-minor-faults", 3185},
                        {"stat-major-faults", 7},
                        {"stat-swap-in", 0},
                        {"stat-swap-out", 4096},
                        {"stat-htlb-pgalloc", 1},
                        {"stat-htlb-pgfail", 2}}},
                      {"last-update", 1795346294}};
  shim::BalloonStats s;
  ASSERT_TRUE(shim::qemu::qemu_balloon_stats(256, 160, balloon, guest, &s).ok());
  EXPECT_EQ(s.actual_mib, 160);
  EXPECT_EQ(s.actual_pages, 160 * 256);
  EXPECT_EQ(s.target_mib, 160);
  EXPECT_EQ(s.target_pages, 160 * 256);
  EXPECT_EQ(s.available_memory, 188604416);
  EXPECT_EQ(s.free_memory, 185200640);
  EXPECT_EQ(s.disk_caches, 3010560);
  EXPECT_EQ(s.total_memory, 229138432);
  EXPECT_EQ(s.minor_faults, 3185);
  EXPECT_EQ(s.major_faults, 7);
  EXPECT_EQ(s.swap_in, 0);
  EXPECT_EQ(s.swap_out, 4096);
  EXPECT_EQ(s.hugetlb_allocations, 1);
  EXPECT_EQ(s.hugetlb_failures, 2);
}

TEST(QemuBalloonTest, StatsTheGuestDoesNotReportAreZero) {
  shim::BalloonStats s;
  const json guest = {{"stats", {{"stat-free-memory", -1}}}};
  ASSERT_TRUE(shim::qemu::qemu_balloon_stats(128, 0, {{"actual", 128LL << 20}}, guest, &s).ok());
  EXPECT_EQ(s.free_memory, 0);
  EXPECT_EQ(s.total_memory, 0);
  EXPECT_EQ(s.actual_mib, 0);
  ASSERT_TRUE(shim::qemu::qemu_balloon_stats(128, 0, {{"actual", 128LL << 20}}, json(), &s).ok());
}

TEST(QemuBalloonTest, QueryBalloonWithoutActualIsInternal) {
  shim::BalloonStats s;
  EXPECT_EQ(shim::qemu::qemu_balloon_stats(128, 0, json::object(), json(), &s),
            Status::Internal("query-balloon gave no actual size: {}"));
}

}  // namespace
}  // namespace ember::shimtest
