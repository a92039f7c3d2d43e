#include "shimproc/shim_log_level.hpp"

#include <gtest/gtest.h>

namespace ember::shimproc {
namespace {

TEST(ShimLogLevelTest, EmberShimLinesKeepTheirLevel) {
  const char* tail = " ember-shim[812] default/vm1: something";
  EXPECT_EQ(shim_line_level(std::string("2026-12-01T14:05:13.278 error") + tail),
            spdlog::level::err);
  EXPECT_EQ(shim_line_level(std::string("2026-12-01T14:05:13.278 warning") + tail),
            spdlog::level::warn);
  EXPECT_EQ(shim_line_level(std::string("2026-12-01T14:05:13.278 info") + tail),
            spdlog::level::info);
  EXPECT_EQ(shim_line_level(std::string("2026-12-01T14:05:13.278 debug") + tail),
            spdlog::level::debug);
  EXPECT_EQ(shim_line_level(std::string("2026-12-01T14:05:13.278 critical") + tail),
            spdlog::level::critical);
}

TEST(ShimLogLevelTest, AnyOtherLineIsInfo) {
  EXPECT_EQ(shim_line_level("qemu-system-x86_64: error: something"), spdlog::level::info);
  EXPECT_EQ(shim_line_level("2026-12-01T14:05:13.278 error from-someone-else"),
            spdlog::level::info);
  EXPECT_EQ(shim_line_level("2026-12-01T14:05:13.278 loud ember-shim[1] a/b: x"),
            spdlog::level::info);
  EXPECT_EQ(shim_line_level(""), spdlog::level::info);
  EXPECT_EQ(shim_line_level("   "), spdlog::level::info);
}

}  // namespace
}  // namespace ember::shimproc
