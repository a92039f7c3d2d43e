#include "io/fd_pump.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>

#include "io/event_loop_impl.hpp"

namespace ember::io {
namespace {
// Steps per turn before the pump yields to the loop's other handlers.
constexpr int kStepsPerTurn = 32;
}  // namespace

// Lives on the loop thread only (every member is touched there).
struct FdPump::State {
  State(asio::io_context& ctx, int fd, std::function<bool()> fn)
      : desc(ctx, fd), step(std::move(fn)) {}
  asio::posix::stream_descriptor desc;  // borrows fd: released, never closed
  std::function<bool()> step;
  bool stopped = false;
};

namespace {

void wait_for_work(const std::shared_ptr<FdPump::State>& s);

// One turn: runs step until the other loop is idle, then waits for its fd
// again. Asio's reactor is edge-triggered, so the wait is re-armed only once
// the fd has been drained (no readiness is left that could produce no edge);
// a turn that used its whole budget continues in a posted handler instead.
void turn(const std::shared_ptr<FdPump::State>& s) {
  if (s->stopped) return;
  for (int i = 0; i < kStepsPerTurn; ++i) {
    if (!s->step()) {
      wait_for_work(s);
      return;
    }
    if (s->stopped) return;  // step may stop the pump
  }
  asio::post(s->desc.get_executor(), [s] { turn(s); });
}

void wait_for_work(const std::shared_ptr<FdPump::State>& s) {
  s->desc.async_wait(asio::posix::stream_descriptor::wait_read, [s](const std::error_code& ec) {
    if (!ec) turn(s);
  });
}

void stop(FdPump::State& s) {
  s.stopped = true;
  s.desc.release();  // cancels the wait; the fd stays the caller's
}

}  // namespace

FdPump::FdPump(EventLoop& loop, int fd, std::function<bool()> step)
    : loop_(loop), state_(std::make_shared<State>(loop.impl().ctx, fd, std::move(step))) {
  // Work may already be pending (nothing would raise an edge for it): start
  // with a turn rather than a wait.
  std::shared_ptr<State> s = state_;
  loop_.impl().dispatch([s] { turn(s); });
}

FdPump::~FdPump() {
  loop_.run_and_wait([s = state_] { stop(*s); });
}

}  // namespace ember::io
