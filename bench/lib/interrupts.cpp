#include "bench/lib/interrupts.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "io/event_loop.hpp"

namespace ember::bench {
namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

Interrupts::Interrupts() {
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Status Interrupts::watch(io::EventLoop& loop) {
  const sigset_t set = shutdown_signals();
  signal_fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_) return Status::FromErrno("signalfd", errno);
  arm(loop);
  return Status::Ok();
}

void Interrupts::arm(io::EventLoop& loop) {
  // The loop outlives no Interrupts it watches for: the Target (and its loop)
  // is destroyed first.
  loop.watch_readable(signal_fd_.get(), [this, &loop] {
    signalfd_siginfo info;
    bool got = false;
    while (::read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      got = true;
    if (got && !requested_.exchange(true)) {
      std::fputs("\ninterrupted: finishing the calls in flight, then stopping the bench's VMs\n",
                 stderr);
    }
    arm(loop);
  });
}

}  // namespace ember::bench
