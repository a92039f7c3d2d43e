#pragma once
// TestLoop: an EventLoop on its own thread for tests of loop-bound objects,
// with on_loop(fn) to run fn there and wait for it.
#include <chrono>
#include <functional>
#include <future>

#include "io/event_loop.hpp"

namespace ember::shimtest {

// Generous: the machine is small and shared.
inline constexpr std::chrono::seconds kLoopDeadline{30};

class TestLoop {
 public:
  TestLoop() { loop_.start_thread(); }
  io::EventLoop& loop() { return loop_; }

  // Runs fn on the loop thread and waits for it to return.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  io::EventLoop loop_;
};

// Waits for a future with kLoopDeadline; false when it timed out.
template <class T>
bool arrives(std::future<T>& f) {
  return f.wait_for(kLoopDeadline) == std::future_status::ready;
}

}  // namespace ember::shimtest
