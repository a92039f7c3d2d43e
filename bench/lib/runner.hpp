#pragma once
// The closed-loop driver of every bench phase: `count` operations with at
// most `concurrency` in flight, each started as the previous one finishes.
// Operations run on the event loop thread and must finish exactly once; every
// call they make has a deadline, so a phase always ends.
#include <atomic>
#include <cstddef>
#include <functional>

#include "base/status.hpp"
#include "bench/lib/error_tally.hpp"
#include "bench/lib/stats.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::bench {

class Progress;

// Finishes one operation: OK or the status it failed with. Loop thread.
using Finish = std::function<void(const Status&)>;
// Starts operation `index` (0-based). Loop thread; must not block.
using Op = std::function<void(size_t index, Finish finish)>;

struct RunLimits {
  size_t count = 0;
  size_t concurrency = 1;
  // No operation starts after this point (--max-seconds).
  Clock::time_point start_deadline = Clock::time_point::max();
  // Set (by Ctrl-C): no operation starts any more.
  const std::atomic<bool>* cancel = nullptr;
};

struct RunStats {
  size_t requested = 0;
  size_t started = 0;
  size_t succeeded = 0;
  size_t failed = 0;
  bool cut_short = false;  // stopped starting early (deadline or cancel)
  ErrorTally errors;
  Clock::time_point began;
  Clock::time_point ended;
  double seconds() const { return seconds_between(began, ended); }
};

// Blocks the calling thread (never the loop thread) until every started
// operation finished. progress (may be null) is updated on the loop thread.
RunStats run_closed_loop(io::EventLoop& loop, const RunLimits& limits, Op op, Progress* progress);

}  // namespace ember::bench
