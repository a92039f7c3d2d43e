// The arithmetic and formatting behind `emberctl bench`'s reports.
#include <gtest/gtest.h>

#include <sstream>

#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_runner.hpp"
#include "cmd/emberctl/bench_stats.hpp"

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

TEST(BenchReportTest, DurationsPickTheirUnit) {
  EXPECT_EQ(format_us(12.34), "12.3 µs");
  EXPECT_EQ(format_us(4210), "4.21 ms");
  EXPECT_EQ(format_us(1.5e6), "1.50 s");
  EXPECT_EQ(format_us(-3), "-3.0 µs");
}

TEST(BenchReportTest, NumbersGetThousandsSeparators) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(999), "999");
  EXPECT_EQ(format_number(1000), "1,000");
  EXPECT_EQ(format_number(1234567.891, 1), "1,234,567.9");
  EXPECT_EQ(format_number(-4321), "-4,321");
  EXPECT_EQ(format_kib(1536), "1.5 MiB");
}

TEST(BenchReportTest, TablesAlignTheirColumns) {
  Report r;
  r.tables.push_back({"title", {"name", "value"}, {{"a", "1"}, {"longer", "12.5 µs"}}});
  r.notes.push_back("a note");
  std::ostringstream out;
  print_report(r, false, out);
  EXPECT_EQ(out.str(),
            "title\n"
            "name      value\n"
            "a             1\n"
            "longer  12.5 µs\n"
            "\n"
            "a note\n");
}

TEST(BenchReportTest, JsonReportIsOneLine) {
  Report r;
  r.json["scenario"] = "x";
  r.tables.push_back({"t", {"c"}, {}});
  std::ostringstream out;
  print_report(r, true, out);
  EXPECT_EQ(out.str(), "{\"scenario\":\"x\"}\n");
}

TEST(BenchErrorTallyTest, GroupsByStatusAndKeepsTheFirst) {
  ErrorTally t;
  t.add(Status::NotFound("a"));
  t.add(Status::Unavailable("b"));
  t.add(Status::NotFound("a"));
  EXPECT_EQ(t.total(), 3u);
  EXPECT_EQ(t.first(), Status::NotFound("a"));
  auto j = t.to_json();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["code"], "NOT_FOUND");
  EXPECT_EQ(j[0]["count"], 2);
  ErrorTally u;
  u.merge(t);
  EXPECT_EQ(u.total(), 3u);
  EXPECT_EQ(u.first(), Status::NotFound("a"));
}

TEST(BenchErrorTallyTest, KeepsAtMostTenKindsButCountsAll) {
  ErrorTally t;
  for (int i = 0; i < 25; ++i)
    t.add(Status::Internal("e" + std::to_string(i)));
  EXPECT_EQ(t.total(), 25u);
  EXPECT_EQ(t.to_json().size(), 10u);
}

}  // namespace
}  // namespace ember::bench
