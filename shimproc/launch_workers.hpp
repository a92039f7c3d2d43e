#pragma once
// LaunchWorkers: the threads that run the blocking steps of a shim launch
// (mkdir, bind, and the vfork that waits until the shim has exec'd), so the
// I/O thread, which also runs the actors, never waits for an exec. Measured:
// the vfork alone held the I/O thread 1.7 ms (p50) per CreateVM.
//
// Jobs run in submission order across kThreads threads; the destructor runs
// every job already submitted, then joins.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ember::shimproc {

class LaunchWorkers {
 public:
  // Two: one exec per core on the 2-core hosts ember targets; more would
  // only queue in the kernel.
  static constexpr int kThreads = 2;

  LaunchWorkers();
  ~LaunchWorkers();
  LaunchWorkers(const LaunchWorkers&) = delete;
  LaunchWorkers& operator=(const LaunchWorkers&) = delete;

  // Any thread. job runs on a worker thread; it must not throw.
  void submit(std::function<void()> job);

 private:
  void work();

  std::mutex mu_;  // guards jobs_ and stopping_; never held while a job runs
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ember::shimproc
