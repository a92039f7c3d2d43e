#pragma once
// FdPump: drives another event loop's work from an io::EventLoop thread. The
// other loop exposes one level-triggered fd (an epoll fd) that is readable
// while it has work; each time it is, the pump runs `step` on the loop thread
// until step reports no more work (bounded per turn, so one busy source cannot
// starve the loop's other handlers). Used to run CAF's network multiplexer on
// emberd's I/O thread (actors/middleman_on_loop.hpp).
#include <functional>
#include <memory>

namespace ember::io {

class EventLoop;

class FdPump {
 public:
  // step: one round of the other loop's work without blocking; true when it
  // did something (so there may be more). fd is borrowed: the caller keeps it
  // open for the pump's lifetime. Starts at once; any thread.
  FdPump(EventLoop& loop, int fd, std::function<bool()> step);
  // Stops the pump: afterwards step never runs again and the loop no longer
  // waits on fd. From a thread other than the loop's it waits for the loop to
  // confirm, so the loop must be running.
  ~FdPump();
  FdPump(const FdPump&) = delete;
  FdPump& operator=(const FdPump&) = delete;

  struct State;

 private:
  EventLoop& loop_;
  std::shared_ptr<State> state_;
};

}  // namespace ember::io
