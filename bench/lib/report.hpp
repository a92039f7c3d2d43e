#pragma once
// What a bench scenario hands back: one JSON object (for --json) and the
// tables of its human summary.
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/emberctl/bench_stats.hpp"

namespace ember::bench {

struct ReportTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as wide as columns
};

struct Report {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  std::vector<ReportTable> tables;
  std::vector<std::string> notes;  // lines printed under the tables
};

// --json: the object on one line. Otherwise each table with aligned columns
// (first left-aligned, the rest right-aligned), then the notes.
void print_report(const Report& report, bool json, std::ostream& out);

// A duration in µs for humans: "812.3 µs", "4.21 ms", "1.50 s".
std::string format_us(double us);
// A number with thousands separators and `decimals` digits after the point:
// "12,345", "1,234.5".
std::string format_number(double v, int decimals = 0);
// Columns and one row of a latency table: name, count, p50, p99, max.
std::vector<std::string> latency_columns(const std::string& first);
std::vector<std::string> latency_row(const std::string& name, const Summary& s);

// KiB as "12.3 MiB".
std::string format_kib(long kib);

}  // namespace ember::bench
