// How the benches' reports read: units, separators, aligned tables, JSON.
#include <gtest/gtest.h>

#include <sstream>

#include "bench/lib/format.hpp"
#include "bench/lib/report.hpp"

namespace ember::bench {
namespace {

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

}  // namespace
}  // namespace ember::bench
