// A fleet member's host memory, as read out of /proc/meminfo's text.
#include "cmd/emberd/host_memory_reports.hpp"

#include <gtest/gtest.h>

#include "base/files.hpp"

namespace ember {
namespace {

TEST(ParseMeminfoTest, TakesMemAvailableAndMemTotalInMib) {
  HostMemory m;
  ASSERT_TRUE(parse_meminfo("MemTotal:        8039652 kB\nMemFree:          212340 kB\n"
                            "MemAvailable:    3124700 kB\nBuffers:           12 kB\n",
                            &m)
                  .ok());
  EXPECT_EQ(m.total_mib, 7851u);      // 8039652 / 1024
  EXPECT_EQ(m.available_mib, 3051u);  // 3124700 / 1024
}

TEST(ParseMeminfoTest, AMissingLineIsNamed) {
  HostMemory m;
  Status s = parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\n", &m);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "/proc/meminfo has no MemAvailable line");
  EXPECT_EQ(parse_meminfo("", &m).message(), "/proc/meminfo has no MemTotal line");
}

TEST(ParseMeminfoTest, ThisHostsMeminfoParses) {
  std::string text;
  ASSERT_TRUE(read_file("/proc/meminfo", &text).ok());
  HostMemory m;
  ASSERT_TRUE(parse_meminfo(text, &m).ok());
  EXPECT_GT(m.total_mib, 0u);
  EXPECT_LE(m.available_mib, m.total_mib);
}

}  // namespace
}  // namespace ember
