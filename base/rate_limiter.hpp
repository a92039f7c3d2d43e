#pragma once
// RateLimiter: lets a repeated log line through at most once per interval.
// The first event passes; events within the interval after a passed one are
// counted, and the next event to pass reports that count, so a flood of the
// same line becomes one line per interval saying how many were left out.
//
// Not thread-safe: one limiter per line per thread (the I/O thread's).
#include <chrono>
#include <cstdint>
#include <functional>

namespace ember {

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // clock: the time source (tests inject one); null means steady_clock::now.
  explicit RateLimiter(std::chrono::milliseconds interval, Clock clock = nullptr);

  // True if this event is to be logged; then *suppressed is how many events
  // were held back since the last one that passed (0 for none).
  bool allow(uint64_t* suppressed);

  std::chrono::milliseconds interval() const { return interval_; }

 private:
  std::chrono::steady_clock::time_point now() const;

  std::chrono::milliseconds interval_;
  Clock clock_;
  bool passed_any_ = false;
  std::chrono::steady_clock::time_point last_pass_{};
  uint64_t held_back_ = 0;
};

}  // namespace ember
