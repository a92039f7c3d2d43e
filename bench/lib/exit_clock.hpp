#pragma once
// ExitClock: notes when processes exit, as seen from outside them. A thread
// of its own blocks in epoll on their pidfds and reads CLOCK_MONOTONIC the
// moment one becomes readable (the kernel signals a pidfd when the process
// exits, before anyone reaps it), independent of the event loop that reads
// the replies being timed against it.
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "bench/lib/stats.hpp"

namespace ember::bench {

class ExitClock {
 public:
  using Exited = std::function<void(Clock::time_point)>;

  ExitClock() = default;
  ~ExitClock();  // stops the thread; pending watches are dropped
  ExitClock(const ExitClock&) = delete;
  ExitClock& operator=(const ExitClock&) = delete;

  Status start();
  // Takes the pidfd; on_exit runs once, on the clock's thread, with the time
  // the exit was seen. Any thread.
  Status watch(UniqueFd pidfd, Exited on_exit);

 private:
  void run();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: tells run() to return
  std::thread thread_;
  std::mutex mu_;
  unsigned long next_key_ = 1;  // guarded by mu_
  struct Entry {
    UniqueFd pidfd;
    Exited on_exit;
  };
  std::unordered_map<unsigned long, Entry> entries_;  // guarded by mu_
};

}  // namespace ember::bench
