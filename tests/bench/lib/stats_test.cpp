// Samples, their summary and rates: the arithmetic behind the benches' reports.
#include <gtest/gtest.h>

#include "bench/lib/stats.hpp"

namespace ember::bench {
namespace {

using std::chrono::microseconds;

TEST(BenchStatsTest, PercentileIsTheNearestRank) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= 100; ++i)
    v.push_back(i);
  EXPECT_EQ(percentile(v, 50), 50);
  EXPECT_EQ(percentile(v, 99), 99);
  EXPECT_EQ(percentile(v, 100), 100);
  EXPECT_EQ(percentile(v, 0), 1);
  EXPECT_EQ(percentile({7}, 99), 7);
  EXPECT_EQ(percentile({}, 50), 0);
}

TEST(BenchStatsTest, SummaryIsInMicrosecondsWhateverTheOrderOfSamples) {
  Samples s;
  for (int us : {30, 10, 20, 40})
    s.add(microseconds(us));
  Summary sum = s.summarize();
  EXPECT_EQ(sum.count, 4u);
  EXPECT_DOUBLE_EQ(sum.min_us, 10);
  EXPECT_DOUBLE_EQ(sum.max_us, 40);
  EXPECT_DOUBLE_EQ(sum.mean_us, 25);
  EXPECT_DOUBLE_EQ(sum.p50_us, 20);
  EXPECT_DOUBLE_EQ(sum.p99_us, 40);
}

TEST(BenchStatsTest, EmptySamplesSummarizeToZeros) {
  Summary sum = Samples().summarize();
  EXPECT_EQ(sum.count, 0u);
  EXPECT_EQ(sum.p99_us, 0);
  auto j = to_json(sum);
  EXPECT_EQ(j["count"], 0);
  EXPECT_EQ(j["p50"], 0.0);
}

TEST(BenchStatsTest, NegativeSamplesAreKept) {
  Samples s;
  s.add(microseconds(-5));
  s.add(microseconds(5));
  EXPECT_DOUBLE_EQ(s.summarize().min_us, -5);
}

TEST(BenchStatsTest, JsonSummaryHasEveryKeyRoundedToATenth) {
  Samples s;
  s.add(std::chrono::nanoseconds(1234));
  auto j = to_json(s.summarize());
  for (const char* k : {"count", "min", "mean", "p50", "p90", "p99", "max"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_DOUBLE_EQ(j["p50"].get<double>(), 1.2);
}

TEST(BenchStatsTest, RateIsZeroWhenNoTimePassed) {
  EXPECT_EQ(rate(10, 0), 0);
  EXPECT_DOUBLE_EQ(rate(10, 2), 5);
}

}  // namespace
}  // namespace ember::bench
