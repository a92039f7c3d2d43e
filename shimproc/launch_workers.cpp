#include "shimproc/launch_workers.hpp"

#include <utility>

namespace ember::shimproc {

LaunchWorkers::LaunchWorkers() {
  for (int i = 0; i < kThreads; ++i)
    threads_.emplace_back([this] { work(); });
}

LaunchWorkers::~LaunchWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void LaunchWorkers::submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

// Drains the queue before stopping: a submitted launch always completes, so
// its result (and whatever it owns) reaches its owner or is released.
void LaunchWorkers::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace ember::shimproc
