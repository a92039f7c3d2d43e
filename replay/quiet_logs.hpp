#pragma once
// The supervisors log every step through spdlog; a replay runs them many
// times and prints its own trace. Silences spdlog while it lives.
#include <spdlog/spdlog.h>

namespace ember::replay {

class QuietLogs {
 public:
  QuietLogs() : saved_(spdlog::get_level()) { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(saved_); }
  QuietLogs(const QuietLogs&) = delete;
  QuietLogs& operator=(const QuietLogs&) = delete;

 private:
  spdlog::level::level_enum saved_;
};

}  // namespace ember::replay
