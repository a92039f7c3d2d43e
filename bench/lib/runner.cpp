#include "bench/lib/runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "bench/lib/progress.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {

namespace {

// Shared with the operations' completions; lives until the last one ran.
struct RunState {
  io::EventLoop* loop = nullptr;
  RunLimits limits;
  Op op;
  Progress* progress = nullptr;
  RunStats stats;        // loop thread while running
  size_t in_flight = 0;  // loop thread
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // guarded by mu
};

bool may_start(const RunState& st) {
  if (st.stats.started >= st.limits.count) return false;
  if (st.limits.cancel != nullptr && st.limits.cancel->load()) return false;
  return Clock::now() < st.limits.start_deadline;
}

void finish_run(const std::shared_ptr<RunState>& st) {
  st->stats.ended = Clock::now();
  st->stats.cut_short = st->stats.started < st->limits.count;
  {
    std::lock_guard<std::mutex> lock(st->mu);
    st->done = true;
  }
  st->cv.notify_all();
}

void start_next(const std::shared_ptr<RunState>& st);

void on_finished(const std::shared_ptr<RunState>& st, const Status& s) {
  --st->in_flight;
  if (s.ok()) {
    ++st->stats.succeeded;
  } else {
    ++st->stats.failed;
    st->stats.errors.add(s);
  }
  if (st->progress != nullptr) {
    st->progress->update(st->stats.succeeded + st->stats.failed, st->stats.failed);
  }
  start_next(st);
}

// Tops the in-flight count up to the concurrency; ends the run when nothing
// runs and nothing may start.
void start_next(const std::shared_ptr<RunState>& st) {
  while (st->in_flight < st->limits.concurrency && may_start(*st)) {
    const size_t index = st->stats.started++;
    ++st->in_flight;
    // Exactly once: a second call would corrupt the counts. Posted, so an
    // operation that fails at once does not re-enter this loop.
    auto called = std::make_shared<bool>(false);
    st->op(index, [st, called](const Status& s) {
      if (*called) return;
      *called = true;
      st->loop->post([st, s] { on_finished(st, s); });
    });
  }
  if (st->in_flight == 0) finish_run(st);
}

}  // namespace

RunStats run_closed_loop(io::EventLoop& loop, const RunLimits& limits, Op op, Progress* progress) {
  auto st = std::make_shared<RunState>();
  st->loop = &loop;
  st->limits = limits;
  st->limits.concurrency = std::max<size_t>(1, limits.concurrency);
  st->op = std::move(op);
  st->progress = progress;
  st->stats.requested = limits.count;
  st->stats.began = Clock::now();
  loop.post([st] { start_next(st); });
  std::unique_lock<std::mutex> lock(st->mu);
  st->cv.wait(lock, [&] { return st->done; });
  // The loop thread wrote stats before taking mu to set done.
  return st->stats;
}

}  // namespace ember::bench
