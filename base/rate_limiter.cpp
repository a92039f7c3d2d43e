#include "base/rate_limiter.hpp"

#include <utility>

namespace ember {

RateLimiter::RateLimiter(std::chrono::milliseconds interval, Clock clock)
    : interval_(interval), clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point RateLimiter::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

bool RateLimiter::allow(uint64_t* suppressed) {
  const auto t = now();
  if (passed_any_ && t - last_pass_ < interval_) {
    ++held_back_;
    return false;
  }
  passed_any_ = true;
  last_pass_ = t;
  *suppressed = held_back_;
  held_back_ = 0;
  return true;
}

}  // namespace ember
