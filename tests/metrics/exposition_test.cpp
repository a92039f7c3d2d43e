// The Prometheus text format 0.0.4, byte for byte: HELP/TYPE lines, labels
// and their escaping, values, and a histogram's buckets, sum and count.
#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ember::metrics {
namespace {

using namespace std::chrono_literals;

TEST(TextExpositionTest, FamilyWritesHelpThenTypeThenSamples) {
  TextExposition out;
  out.family("ember_things_total", "Things seen.", "counter");
  out.sample("ember_things_total", {{"kind", "a"}, {"code", "OK"}}, 3);
  out.sample("ember_things_total", {}, 0);
  EXPECT_EQ(out.text(),
            "# HELP ember_things_total Things seen.\n"
            "# TYPE ember_things_total counter\n"
            "ember_things_total{kind=\"a\",code=\"OK\"} 3\n"
            "ember_things_total 0\n");
}

TEST(TextExpositionTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  TextExposition out;
  out.family("m", "Help with \\ and\nnewline.", "gauge");
  out.sample("m", {{"path", "/x\"y"}}, 1);
  EXPECT_EQ(out.text(),
            "# HELP m Help with \\\\ and\\nnewline.\n"
            "# TYPE m gauge\n"
            "m{path=\"/x\\\"y\"} 1\n");
}

TEST(TextExpositionTest, ValuesAreIntegersOrRoundTrippingDecimals) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(std::stod(format_value(0.1)), 0.1);
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(NAN), "NaN");
}

TEST(TextExpositionTest, HistogramHasCumulativeBucketsThenSumAndCount) {
  Histogram h({0.01, 0.1, 1});
  h.observe(5ms);     // le 0.01
  h.observe(10ms);    // le 0.01: a bound holds its own value
  h.observe(50ms);    // le 0.1
  h.observe(2000ms);  // +Inf only
  TextExposition out;
  out.family("d_seconds", "Durations.", "histogram");
  out.histogram("d_seconds", {{"method", "CreateVM"}}, h.snapshot());
  EXPECT_EQ(out.text(),
            "# HELP d_seconds Durations.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{method=\"CreateVM\",le=\"0.01\"} 2\n"
            "d_seconds_bucket{method=\"CreateVM\",le=\"0.1\"} 3\n"
            "d_seconds_bucket{method=\"CreateVM\",le=\"1\"} 3\n"
            "d_seconds_bucket{method=\"CreateVM\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{method=\"CreateVM\"} 2.065\n"
            "d_seconds_count{method=\"CreateVM\"} 4\n");
}

TEST(HistogramTest, SnapshotCountEqualsTheInfBucket) {
  Histogram h(call_latency_bounds());
  for (int i = 0; i < 100; ++i)
    h.observe(std::chrono::microseconds(i * 997));
  Histogram::Snapshot s = h.snapshot();
  ASSERT_EQ(s.cumulative.size(), call_latency_bounds().size() + 1);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.cumulative.back(), s.count);
  for (size_t i = 1; i < s.cumulative.size(); ++i)
    EXPECT_LE(s.cumulative[i - 1], s.cumulative[i]);
}

TEST(HistogramTest, NegativeDurationsCountAsZero) {
  Histogram h({0.001});
  h.observe(std::chrono::nanoseconds(-5));
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative[0], 1u);
  EXPECT_EQ(s.sum_seconds, 0);
}

}  // namespace
}  // namespace ember::metrics
