// The host-memory check of CreateVM: MemTotal parsing and the refusal.
#include "shim/host_memory.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_tree.hpp"

namespace ember::shim {
namespace {

TEST(HostMemoryTest, MemTotalIsReadInMib) {
  EXPECT_EQ(mem_total_mib("MemTotal:       24576000 kB\nMemFree: 1 kB\n"), 24000u);
  EXPECT_EQ(mem_total_mib("MemFree: 1 kB\nMemTotal: 2048 kB\n"), 2u);
  EXPECT_EQ(mem_total_mib("MemFree: 1 kB\n"), std::nullopt);
  EXPECT_EQ(mem_total_mib("XMemTotal: 2048 kB\n"), std::nullopt);
  EXPECT_EQ(mem_total_mib("MemTotal: lots\n"), std::nullopt);
}

TEST(HostMemoryTest, MoreThanTheHostIsResourceExhaustedNamingBoth) {
  EXPECT_TRUE(check_fits_host(1024, 1024).ok());
  Status s = check_fits_host(4096, 1024);
  EXPECT_EQ(s.code(), Code::resource_exhausted);
  EXPECT_EQ(s.message(),
            "MachineCfg.MemSizeMib 4096 MiB is more than this host's memory (1024 MiB)");
}

TEST(HostMemoryTest, TheMeminfoFileDecidesAndAnUnreadableOneDefersToTheVmm) {
  testsupport::TempTree tree;
  const std::string meminfo = tree.path() + "/meminfo";
  std::ofstream(meminfo) << "MemTotal: 1048576 kB\n";
  EXPECT_TRUE(check_host_memory(1024, meminfo).ok());
  EXPECT_EQ(check_host_memory(1025, meminfo).code(), Code::resource_exhausted);
  EXPECT_TRUE(check_host_memory(1u << 20, tree.path() + "/absent").ok());
}

}  // namespace
}  // namespace ember::shim
