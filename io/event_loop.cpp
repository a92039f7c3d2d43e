#include "io/event_loop.hpp"

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <future>

#include "io/event_loop_impl.hpp"

namespace ember::io {
namespace {
// The loop whose run() is active on this thread.
thread_local const EventLoop::Impl* tl_running = nullptr;
}  // namespace

// A pending watch. fd is the caller's, borrowed: once armed, desc waits on it
// and is released (not closed) when the watch ends, so a watch costs no fd
// of its own (a VM's exit watch is one of emberd's few fds per VM).
struct EventLoop::Impl::Watch {
  Watch() = default;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch() {
    if (desc) desc->release();  // deregisters; the caller still owns fd
  }
  std::function<void()> fn;
  int fd = -1;
  long ms = 0;
  std::unique_ptr<asio::posix::stream_descriptor> desc;
  std::unique_ptr<asio::steady_timer> timer;
};

EventLoop::Impl::Impl() {
  guard.emplace(ctx.get_executor());
}

EventLoop::Impl::~Impl() {
  // Watches (descriptors, timers) go before the io_context they belong to.
  std::lock_guard<std::mutex> lock(mu);
  watches.clear();
}

bool EventLoop::Impl::in_loop_thread() const {
  return tl_running == this;
}

void EventLoop::Impl::dispatch(std::function<void()> fn) {
  if (in_loop_thread()) {
    fn();
  } else {
    asio::post(ctx, std::move(fn));
  }
}

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}

EventLoop::~EventLoop() {
  stop();
  if (impl_->thread.joinable()) {
    if (impl_->thread.get_id() == std::this_thread::get_id()) {
      impl_->thread.detach();  // destroyed from its own handler: cannot join
    } else {
      impl_->thread.join();
    }
  }
}

void EventLoop::run() {
  const Impl* prev = tl_running;
  tl_running = impl_.get();
  struct Restore {
    const Impl* prev;
    ~Restore() { tl_running = prev; }
  } restore{prev};
  if (!impl_->stopped.load()) impl_->ctx.run();
}

void EventLoop::start_thread() {
  impl_->thread = std::thread([this] { run(); });
}

void EventLoop::stop() {
  impl_->stopped.store(true);
  impl_->ctx.stop();
}

void EventLoop::post(std::function<void()> fn) {
  asio::post(impl_->ctx, std::move(fn));
}

void EventLoop::run_and_wait(const std::function<void()>& fn) {
  if (in_loop_thread()) {
    fn();
    return;
  }
  std::promise<void> done;
  std::future<void> ran = done.get_future();
  post([&fn, &done] {
    fn();
    done.set_value();
  });
  ran.wait();
}

bool EventLoop::in_loop_thread() const {
  return impl_->in_loop_thread();
}

namespace {

// Runs on the loop thread when a watch's wait completes (or was aborted).
void fire(EventLoop::Impl* impl, EventLoop::WatchId id) {
  std::unique_ptr<EventLoop::Impl::Watch> w;
  {
    std::lock_guard<std::mutex> lock(impl->mu);
    auto it = impl->watches.find(id);
    if (it == impl->watches.end()) return;  // cancelled
    w = std::move(it->second);
    impl->watches.erase(it);
  }
  auto fn = std::move(w->fn);
  w.reset();  // stops waiting on the fd before the callback may close it
  if (fn) fn();
}

// Starts the wait of watch id on the loop thread (all waits are started
// there, so the edge-triggered reactor cannot miss a readiness event that
// happens between registration and the wait).
void arm(EventLoop::Impl* impl, EventLoop::WatchId id) {
  std::lock_guard<std::mutex> lock(impl->mu);
  auto it = impl->watches.find(id);
  if (it == impl->watches.end()) return;  // cancelled before it was armed
  auto& w = *it->second;
  if (w.fd >= 0) {
    w.desc = std::make_unique<asio::posix::stream_descriptor>(impl->ctx, w.fd);
    w.desc->async_wait(asio::posix::stream_descriptor::wait_read,
                       [impl, id](const std::error_code&) { fire(impl, id); });
  } else {
    w.timer = std::make_unique<asio::steady_timer>(impl->ctx);
    w.timer->expires_after(std::chrono::milliseconds(w.ms < 0 ? 0 : w.ms));
    w.timer->async_wait([impl, id](const std::error_code&) { fire(impl, id); });
  }
}

}  // namespace

EventLoop::WatchId EventLoop::watch_readable(int fd, std::function<void()> on_ready) {
  WatchId id = impl_->next_id.fetch_add(1);
  auto w = std::make_unique<Impl::Watch>();
  w->fn = std::move(on_ready);
  w->fd = fd;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->watches.emplace(id, std::move(w));
  }
  Impl* impl = impl_.get();
  impl_->dispatch([impl, id] { arm(impl, id); });
  return id;
}

EventLoop::WatchId EventLoop::after(long ms, std::function<void()> fn) {
  WatchId id = impl_->next_id.fetch_add(1);
  auto w = std::make_unique<Impl::Watch>();
  w->fn = std::move(fn);
  w->ms = ms;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->watches.emplace(id, std::move(w));
  }
  Impl* impl = impl_.get();
  impl_->dispatch([impl, id] { arm(impl, id); });
  return id;
}

void EventLoop::cancel_watch(WatchId id) {
  std::unique_ptr<Impl::Watch> w;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->watches.find(id);
    if (it == impl_->watches.end()) return;
    w = std::move(it->second);
    impl_->watches.erase(it);
  }
  // Destroying the descriptor/timer aborts its wait; fire() then finds no entry.
}

}  // namespace ember::io
