#include "shimproc/child_process.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <utility>

// glibc 2.36's <sys/pidfd.h> declares its functions without extern "C".
extern "C" {
#include <sys/pidfd.h>
}

#include "base/errno_status.hpp"
#include "shimproc/child_spawn.hpp"

namespace ember::shimproc {
namespace {

// The one place a pidfd is opened: not inherited (pidfds are O_CLOEXEC by
// nature), blocking (wait() copes with one a loop made non-blocking).
UniqueFd open_pidfd(pid_t pid) {
  return UniqueFd(::pidfd_open(pid, 0));
}

// True when the process behind pidfd has exited; waits up to timeout_ms (-1: no limit).
bool pidfd_exited(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// waitid on the pidfd: 1 collected (into *out), 0 still running, -1 errno.
int wait_pidfd(int pidfd, int options, ChildExit* out) {
  siginfo_t info{};
  int r;
  do {
    r = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | options);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  if (info.si_pid == 0) return 0;
  const bool exited = info.si_code == CLD_EXITED;
  *out = ChildExit{exited ? info.si_status : -1, exited ? 0 : info.si_status};
  return 1;
}

}  // namespace

std::string ChildExit::describe() const {
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
  if (code < 0) return "exited (status unknown)";
  return "exited with code " + std::to_string(code);
}

ChildProcess::ChildProcess(std::string name, pid_t pid, UniqueFd pidfd, bool own_child,
                           bool leads_group)
    : name_(std::move(name)),
      pid_(pid),
      pidfd_(std::move(pidfd)),
      own_child_(own_child),
      leads_group_(leads_group) {}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : name_(o.name_),
      pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      own_child_(o.own_child_),
      leads_group_(o.leads_group_),
      reaped_(std::exchange(o.reaped_, false)),
      exit_(o.exit_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    kill_and_reap();
    name_ = o.name_;
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    own_child_ = o.own_child_;
    leads_group_ = o.leads_group_;
    reaped_ = std::exchange(o.reaped_, false);
    exit_ = o.exit_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  kill_and_reap();
}

Status ChildProcess::spawn(const ChildSpec& spec, ChildProcess* out) {
  pid_t pid = -1;
  Status s = detail::start_child(spec, &pid);
  if (!s.ok()) return s;
  UniqueFd pidfd = open_pidfd(pid);
  if (!pidfd) {
    const int err = errno;
    // Unreaped, so the pid is still ours; without a pidfd nobody else can reap it.
    ::kill(spec.own_process_group ? -pid : pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return errno_status("pidfd_open for " + spec.name + " pid " + std::to_string(pid), err);
  }
  *out = ChildProcess(spec.name, pid, std::move(pidfd), true, spec.own_process_group);
  return Status::Ok();
}

Status ChildProcess::adopt(const std::string& name, pid_t pid, bool leads_group,
                           ChildProcess* out) {
  UniqueFd pidfd = open_pidfd(pid);
  if (!pidfd) return errno_status("adopt " + name + " pid " + std::to_string(pid), errno);
  *out = ChildProcess(name, pid, std::move(pidfd), false, leads_group);
  return Status::Ok();
}

std::string ChildProcess::what() const {
  return name_ + " pid " + std::to_string(pid_);
}

Status ChildProcess::signal(int sig) const {
  if (!pidfd_) return Status::FailedPrecondition("no " + name_ + " process");
  // After the reap the pid may belong to someone else.
  if (reaped_) return Status::FailedPrecondition("signal " + what() + ": it has exited already");
  if (::pidfd_send_signal(pidfd_.get(), sig, nullptr, 0) == 0) return Status::Ok();
  if (errno == ESRCH) return Status::NotFound("signal " + what() + ": it has exited");
  return errno_status("signal " + what(), errno);
}

Status ChildProcess::signal_group(int sig) const {
  if (!pidfd_) return Status::FailedPrecondition("no " + name_ + " process");
  std::string what = "signal " + this->what();
  if (reaped_) return Status::FailedPrecondition(what + ": it has exited already");
  // The leader through its pidfd (immune to pid reuse), then the rest of its
  // group (while the leader is unreaped, its pid names no other group).
  int leader_err = ::pidfd_send_signal(pidfd_.get(), sig, nullptr, 0) == 0 ? 0 : errno;
  int group_err = ::kill(-pid_, sig) == 0 ? 0 : errno;
  if (leader_err != 0 && leader_err != ESRCH) return errno_status(what, leader_err);
  if (group_err != 0 && group_err != ESRCH) return errno_status(what + " group", group_err);
  if (leader_err == ESRCH && group_err == ESRCH) {
    return Status::NotFound(what + ": no process left in its group");
  }
  return Status::Ok();
}

bool ChildProcess::try_reap() {
  if (reaped_ || !pidfd_) return reaped_;
  if (own_child_) {
    if (wait_pidfd(pidfd_.get(), WNOHANG, &exit_) == 1) reaped_ = true;
  } else if (pidfd_exited(pidfd_.get(), 0)) {
    // Not our child: its parent reaps it; the status is unknown.
    exit_ = ChildExit{};
    reaped_ = true;
  }
  return reaped_;
}

const ChildExit& ChildProcess::wait() {
  if (reaped_ || !pidfd_) return exit_;
  // poll first: an event loop watching the pidfd may have made it
  // O_NONBLOCK, and a blocking waitid on such a pidfd fails with EAGAIN.
  pidfd_exited(pidfd_.get(), -1);
  if (!own_child_) {
    exit_ = ChildExit{};
    reaped_ = true;
  } else if (wait_pidfd(pidfd_.get(), WNOHANG, &exit_) == 1) {
    reaped_ = true;
  }
  return exit_;
}

void ChildProcess::release() {
  pidfd_.reset();
  pid_ = -1;
  reaped_ = true;
}

void ChildProcess::kill_and_reap() {
  if (pidfd_ && !reaped_) {
    Status s = leads_group_ ? signal_group(SIGKILL) : signal(SIGKILL);
    if (s.ok() || s.code() == Code::not_found) {
      wait();
    } else {
      // Waiting for a process we could not kill might never end.
      spdlog::error("cannot kill {}: {}", what(), s.message());
    }
  }
  pid_ = -1;
  pidfd_.reset();
  reaped_ = false;
  exit_ = ChildExit{};
}

}  // namespace ember::shimproc
