#include "bench/lib/stats.hpp"

#include <algorithm>
#include <cmath>

namespace ember::bench {
namespace {

double us(int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

// Rounded to 0.1 µs: finer digits are noise and bloat the JSON.
double tenth(double v) {
  return std::round(v * 10.0) / 10.0;
}

}  // namespace

int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of the samples at or
  // below it.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t index = rank <= 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

Summary Samples::summarize() const {
  Summary s;
  if (ns_.empty()) return s;
  std::vector<int64_t> sorted = ns_;
  std::sort(sorted.begin(), sorted.end());
  long double total = 0;
  for (int64_t v : sorted)
    total += v;
  s.count = sorted.size();
  s.min_us = us(sorted.front());
  s.max_us = us(sorted.back());
  s.mean_us = static_cast<double>(total / static_cast<long double>(sorted.size())) / 1000.0;
  s.p50_us = us(percentile(sorted, 50));
  s.p90_us = us(percentile(sorted, 90));
  s.p99_us = us(percentile(sorted, 99));
  return s;
}

nlohmann::ordered_json to_json(const Summary& s) {
  return {{"count", s.count},       {"min", tenth(s.min_us)}, {"mean", tenth(s.mean_us)},
          {"p50", tenth(s.p50_us)}, {"p90", tenth(s.p90_us)}, {"p99", tenth(s.p99_us)},
          {"max", tenth(s.max_us)}};
}

}  // namespace ember::bench
