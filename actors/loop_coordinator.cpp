#include "actors/loop_coordinator.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/logger.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <deque>
#include <mutex>
#include <thread>

#include "io/event_loop.hpp"

namespace ember::actors {
namespace {

class LoopCoordinator final : public caf::scheduler::abstract_coordinator {
 public:
  LoopCoordinator(caf::actor_system& sys, io::EventLoop& loop)
      : abstract_coordinator(sys), loop_(loop), unit_(this, sys) {}

  // Any thread. Jobs queue up; one posted drain runs them all, so a burst of
  // messages costs one wake-up of the loop (none from the loop itself).
  void enqueue(caf::resumable* job) override {
    bool post;
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(job);
      post = !drain_posted_;
      drain_posted_ = true;
    }
    if (post) loop_.post([this] { drain(); });
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

 protected:
  void start() override {
    // Delayed messages (CAF's request timeouts, should one be set) fire
    // from the clock's thread into enqueue().
    clock_thread_ = std::thread([this] { clock_.run_dispatch_loop(); });
    abstract_coordinator::start();
  }

  // Every actor has finished (the system awaited them) before this runs.
  // release_loop_logger() waits on the loop, behind any drain posted before
  // it, so no drain of this coordinator is left to run after it is gone.
  void stop() override {
    stop_actors();
    release_loop_logger();
    clock_.cancel_dispatch_loop();
    clock_thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (caf::resumable* job : jobs_)
      cleanup_and_release(job);
    jobs_.clear();
  }

 private:
  class Unit final : public caf::execution_unit {
   public:
    Unit(LoopCoordinator* owner, caf::actor_system& sys)
        : caf::execution_unit(&sys), owner_(owner) {}
    void exec_later(caf::resumable* job) override { owner_->enqueue(job); }

   private:
    LoopCoordinator* owner_;
  };

  // CAF keeps a reference to the system's logger in a thread-local of each
  // thread that spawned an actor (here: the loop thread, for the
  // supervisors), and the system's destructor waits for the logger to be
  // destroyed. The loop thread outlives the system, so it lets go here.
  void release_loop_logger() {
    loop_.run_and_wait([] { caf::logger::set_current_actor_system(nullptr); });
  }

  // On the loop thread. Runs what is queued now; what those jobs enqueue
  // waits for the next drain, so I/O is never starved by a busy actor.
  void drain() {
    std::deque<caf::resumable*> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(jobs_);
      drain_posted_ = false;
    }
    for (caf::resumable* job : batch)
      run(job);
  }

  void run(caf::resumable* job) {
    switch (job->resume(&unit_, max_throughput())) {
      case caf::resumable::resume_later:
        enqueue(job);
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
        caf::intrusive_ptr_release(job);
        break;
      case caf::resumable::shutdown_execution_unit:
        break;
    }
  }

  io::EventLoop& loop_;
  Unit unit_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
  std::mutex mu_;
  std::deque<caf::resumable*> jobs_;  // guarded by mu_
  bool drain_posted_ = false;         // guarded by mu_
};

}  // namespace

void schedule_actors_on(io::EventLoop& loop, caf::actor_system_config& cfg) {
  cfg.module_factories.push_back([&loop](caf::actor_system& sys) -> caf::actor_system::module* {
    return new LoopCoordinator(sys, loop);
  });
}

}  // namespace ember::actors
