#pragma once
// Numbers and durations as the human summaries of the benches show them.
#include <string>
#include <vector>

#include "bench/lib/stats.hpp"

namespace ember::bench {

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
