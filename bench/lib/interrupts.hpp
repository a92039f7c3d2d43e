#pragma once
// Ctrl-C during a bench: stop starting work, let what runs finish (every call
// has a deadline) and stop the VMs the bench made, instead of dying with
// hundreds of VMs left behind.
#include <atomic>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::bench {

class Interrupts {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread, so threads started
  // afterwards (the event loop's) inherit the mask: construct it first. The
  // mask is left blocked on destruction: a signal arriving after the bench
  // must not kill emberctl before it printed what it measured.
  Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  // Reads the signals on loop (a signalfd); sets requested() on each.
  Status watch(io::EventLoop& loop);
  const std::atomic<bool>& requested() const { return requested_; }

 private:
  void arm(io::EventLoop& loop);

  UniqueFd signal_fd_;
  std::atomic<bool> requested_{false};
};

}  // namespace ember::bench
