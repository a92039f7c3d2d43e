#pragma once
// Latency samples and their summary (nearest-rank percentiles), shared by
// `emberctl bench` and the programs under bench/.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace ember::bench {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

// Summary of a set of samples, in microseconds.
struct Summary {
  size_t count = 0;
  double min_us = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

class Samples {
 public:
  void reserve(size_t n) { ns_.reserve(n); }
  // Durations may be negative (stop-latency compares two clocks' readings).
  void add(std::chrono::nanoseconds d) { ns_.push_back(d.count()); }
  void add(Clock::time_point from, Clock::time_point to) { add(to - from); }
  size_t count() const { return ns_.size(); }
  bool empty() const { return ns_.empty(); }
  void clear() { ns_.clear(); }
  // All zero when empty.
  Summary summarize() const;

 private:
  std::vector<int64_t> ns_;
};

// Nearest-rank percentile (p in [0, 100]) of sorted values; 0 when empty.
int64_t percentile(const std::vector<int64_t>& sorted, double p);

// {"count":..,"min":..,"mean":..,"p50":..,"p90":..,"p99":..,"max":..}, in µs.
nlohmann::ordered_json to_json(const Summary& s);

// Seconds between two time points, as a double.
inline double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Operations per second; 0 when no time passed.
inline double rate(size_t ops, double seconds) {
  return seconds > 0 ? static_cast<double>(ops) / seconds : 0.0;
}

}  // namespace ember::bench
