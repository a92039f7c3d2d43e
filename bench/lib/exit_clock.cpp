#include "bench/lib/exit_clock.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace ember::bench {
namespace {

constexpr uint64_t kWakeKey = 0;  // entries start at 1

}  // namespace

ExitClock::~ExitClock() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    ssize_t n = ::write(wake_.get(), &one, sizeof one);
    (void)n;  // an eventfd write of 1 cannot fail short of overflow
    thread_.join();
  }
}

Status ExitClock::start() {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return Status::FromErrno("epoll_create1", errno);
  wake_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!wake_) return Status::FromErrno("eventfd", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) {
    return Status::FromErrno("epoll_ctl", errno);
  }
  thread_ = std::thread([this] { run(); });
  return Status::Ok();
}

Status ExitClock::watch(UniqueFd pidfd, Exited on_exit) {
  std::lock_guard<std::mutex> lock(mu_);
  const unsigned long key = next_key_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd.get(), &ev) != 0) {
    return Status::FromErrno("epoll_ctl pidfd", errno);
  }
  // Added under the lock: run() looks the key up under it, so it cannot see
  // the event before the entry exists.
  entries_.emplace(key, Entry{std::move(pidfd), std::move(on_exit)});
  return Status::Ok();
}

void ExitClock::run() {
  epoll_event events[64];
  for (;;) {
    const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
    // Read the clock before anything else: this is the measurement.
    const auto seen = Clock::now();
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kWakeKey) return;
      Exited fn;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = entries_.find(events[i].data.u64);
        if (it == entries_.end()) continue;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.pidfd.get(), nullptr);
        fn = std::move(it->second.on_exit);
        entries_.erase(it);  // closes the pidfd
      }
      fn(seen);
    }
  }
}

}  // namespace ember::bench
