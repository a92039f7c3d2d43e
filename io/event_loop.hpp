#pragma once
// EventLoop: the I/O thread of a process (an Asio io_context behind a pimpl, so
// Asio's headers stay out of everything that merely uses the loop).
//
// Threading contract: post() and stop() may be called from any thread; every
// other object bound to the loop (servers, clients, fd watches) runs its
// callbacks on the loop thread.
#include <functional>
#include <memory>

namespace ember::io {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();  // stops and joins the thread started by start_thread()
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs handlers on the calling thread until stop(). Work-guarded: returns
  // only after stop(), not when idle.
  void run();
  // Runs the loop on a new thread owned by this object.
  void start_thread();
  // Any thread. Makes run() return; pending handlers are dropped.
  void stop();
  // Any thread. Runs fn on the loop thread.
  void post(std::function<void()> fn);
  // Any thread, while the loop runs. Runs fn on the loop thread and returns
  // once it ran (on the loop thread: runs it at once). For handing something
  // owned by the loop thread over, or ending it, from another thread.
  void run_and_wait(const std::function<void()>& fn);
  // True on the thread currently inside run().
  bool in_loop_thread() const;

  // Calls on_ready once, on the loop thread, when fd becomes readable (or
  // hangs up). The loop does not own fd and makes no copy of it: the caller
  // keeps it open until on_ready ran or cancel_watch() returned. Used for
  // pidfds.
  using WatchId = unsigned long;
  WatchId watch_readable(int fd, std::function<void()> on_ready);
  // Loop thread only. The callback will not run after this returns.
  void cancel_watch(WatchId id);

  // Runs fn on the loop thread after `ms` milliseconds unless cancelled.
  WatchId after(long ms, std::function<void()> fn);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::io
