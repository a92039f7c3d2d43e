#pragma once
// QemuProcess: the shim's QEMU child, owned by pid + pidfd (one reaper per
// child: its pidfd, never a global waitpid(-1)).
//
// Started with fork+exec, because posix_spawn cannot set PR_SET_PDEATHSIG.
// The child gets fd 0 = /dev/null, fds 1 and 2 = the output fd, fds 3.. = the
// given fds in order and nothing else; default signal dispositions (the shim
// ignores SIGPIPE), an empty signal mask and PR_SET_PDEATHSIG(SIGKILL). The
// death signal follows the thread that forked: spawn from the loop thread,
// which lives as long as the shim. The child stays in the shim's process
// group, so emberd's kill of the shim's group reaches it too.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shim {

struct QemuLaunch {
  std::string binary;             // absolute path
  std::vector<std::string> args;  // argv[1..]; argv[0] is binary
  std::string cwd;                // "" keeps the shim's
  int output_fd = -1;             // becomes fds 1 and 2; -1 means /dev/null
  std::vector<int> fds;           // fds[i] becomes fd 3 + i; all must be open
};

class QemuProcess {
 public:
  // A missing binary is NOT_FOUND "exec <binary>: ...", a bad cwd
  // "chdir <cwd>: ..." (codes by errno); the child is reaped on failure.
  static Status spawn(const QemuLaunch& launch, std::unique_ptr<QemuProcess>* out);

  // Kills (SIGKILL) and reaps the child if that has not happened yet; the
  // wait is short, a killed process cannot delay it.
  ~QemuProcess();
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Readable once the child has exited: watch it, then try_reap().
  int pidfd() const { return pidfd_.get(); }
  // Sends sig to the child unless it was reaped already.
  void signal(int sig) const;
  // Collects the exit without blocking; true once reaped.
  bool try_reap();
  bool reaped() const { return reaped_; }
  // Valid once reaped: the exit code (-1 if killed) and the signal (0 if it exited).
  int exit_code() const { return exit_code_; }
  int term_signal() const { return term_signal_; }
  // "exited with code 1", "killed by signal 9 (Killed)".
  std::string describe_exit() const;

 private:
  QemuProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

  pid_t pid_;
  UniqueFd pidfd_;
  bool reaped_ = false;  // true once waited for; pid_ may then be reused
  int exit_code_ = -1;   // valid once reaped_
  int term_signal_ = 0;  // valid once reaped_
};

}  // namespace ember::shim
