#pragma once
// Histogram: counts observations into fixed buckets, Prometheus style. Any
// thread may observe (relaxed atomics: a single writer in practice, the loop
// thread); the scrape thread reads a snapshot without stopping the writers.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace ember::metrics {

class Histogram {
 public:
  // bounds: the buckets' upper bounds in seconds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);

  void observe(std::chrono::nanoseconds took);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf last
    double sum_seconds = 0;
    uint64_t count = 0;  // equals cumulative.back()
  };
  // Buckets read one by one while writers may add: count is taken from the
  // buckets themselves, so the snapshot is always self-consistent.
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> sum_nanos_{0};
};

// Buckets for fccontrol call latency: 0.5 ms .. 60 s.
std::vector<double> call_latency_bounds();
// Buckets for a shim's start (spawn to connected): 1 ms .. 10 s.
std::vector<double> shim_spawn_bounds();

}  // namespace ember::metrics
