#include "base/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace ember {
namespace {

using namespace std::chrono_literals;

class RateLimiterTest : public ::testing::Test {
 protected:
  std::chrono::steady_clock::time_point t{};
  RateLimiter limiter{10s, [this] { return t; }};
  uint64_t suppressed = 99;
};

TEST_F(RateLimiterTest, FirstEventPassesWithNothingSuppressed) {
  EXPECT_TRUE(limiter.allow(&suppressed));
  EXPECT_EQ(suppressed, 0u);
}

TEST_F(RateLimiterTest, EventsWithinTheIntervalAreHeldBackAndCountedOnTheNextLine) {
  ASSERT_TRUE(limiter.allow(&suppressed));
  for (int i = 0; i < 100; ++i) {
    t += 99ms;  // the accept retry period, 100 times: 9.9 s
    EXPECT_FALSE(limiter.allow(&suppressed)) << i;
  }
  t += 100ms;  // 10 s after the first line
  EXPECT_TRUE(limiter.allow(&suppressed));
  EXPECT_EQ(suppressed, 100u);
  t += 1s;
  EXPECT_FALSE(limiter.allow(&suppressed));
}

TEST_F(RateLimiterTest, AQuietSpellResetsTheCount) {
  ASSERT_TRUE(limiter.allow(&suppressed));
  t += 1s;
  EXPECT_FALSE(limiter.allow(&suppressed));
  t += 60s;
  EXPECT_TRUE(limiter.allow(&suppressed));
  EXPECT_EQ(suppressed, 1u);
  t += 60s;
  EXPECT_TRUE(limiter.allow(&suppressed));
  EXPECT_EQ(suppressed, 0u);
}

TEST(RateLimiterClockTest, DefaultClockIsSteady) {
  RateLimiter limiter(1h);
  uint64_t suppressed = 0;
  EXPECT_TRUE(limiter.allow(&suppressed));
  EXPECT_FALSE(limiter.allow(&suppressed));
}

}  // namespace
}  // namespace ember
