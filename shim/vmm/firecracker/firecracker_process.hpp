#pragma once
// FirecrackerProcess: the VMM child of a shim, owned by pid + pidfd. The child
// dies with the thread that spawned it (PR_SET_PDEATHSIG, so spawn from the
// loop thread, which lives as long as the shim); destruction kills and reaps
// it unless its exit was already collected.
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shim::fc {

struct FirecrackerCommand {
  std::string binary;             // absolute path
  std::vector<std::string> args;  // argv[1..]
  std::string cwd;                // "" keeps ours
};

class FirecrackerProcess {
 public:
  FirecrackerProcess() = default;
  FirecrackerProcess(FirecrackerProcess&& o) noexcept;
  FirecrackerProcess& operator=(FirecrackerProcess&& o) noexcept;
  ~FirecrackerProcess();

  // Starts the command with fd 0 = /dev/null, fds 1 and 2 = ours, no other
  // fd, default signal dispositions, an empty signal mask, our environment,
  // and our process group (so a kill of the shim's group takes it along).
  // Answers once exec succeeded. A failed exec is reported with its errno:
  // NOT_FOUND (ENOENT), PERMISSION_DENIED (EACCES), else INTERNAL; the
  // child is then reaped already.
  static Status spawn(const FirecrackerCommand& cmd, FirecrackerProcess* out);

  bool valid() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Readable once the process has exited.
  int pidfd() const { return pidfd_.get(); }
  // SIGKILL (through the pidfd: never hits a reused pid). No-op once reaped.
  void kill();
  // Collects the exit without blocking; true once reaped.
  bool try_reap();
  bool reaped() const { return reaped_; }
  // "exit code N" or "killed by signal N" (valid once reaped).
  std::string describe_exit() const;
  bool exited_cleanly() const { return reaped_ && signal_ == 0 && exit_code_ == 0; }

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  bool reaped_ = false;  // true once waited for; pid_ may then be reused
  int exit_code_ = -1;   // valid once reaped_, -1 when killed by a signal
  int signal_ = 0;       // valid once reaped_, 0 when it exited
};

}  // namespace ember::shim::fc
