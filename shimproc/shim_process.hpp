#pragma once
// ShimProcess: one running ember-shim (or any program following the shim
// launch contract, launch_contract.hpp), a ChildProcess leading its own
// process group. Destruction kills the process group and reaps unless the
// exit was already observed.
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "shimproc/child_process.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shimproc {

struct ShimLaunch {
  std::string binary;              // absolute path of ember-shim
  std::vector<std::string> args;   // argv[1..]
  std::string vm_id;               // FIRECRACKER_VM_ID
  std::string containerd_address;  // TTRPC_ADDRESS = <this>.ttrpc
  std::string cwd;                 // the VM directory
  std::vector<std::string> env;    // extra NAME=value entries (EMBER_CONFIG, ...)
  UniqueFd shim_socket;            // becomes fd 3 (listening)
  UniqueFd fccontrol_socket;       // becomes fd 4 (listening); FCCONTROL_SOCKET_FD=4
  // Signal the shim gets when the spawning thread ends (child_process.hpp);
  // 0: none. emberd's shims keep SIGKILL until they wrote their state file.
  int parent_death_signal = 0;
};

class ShimProcess {
 public:
  ShimProcess() = default;
  ShimProcess(ShimProcess&& o) noexcept = default;
  ShimProcess& operator=(ShimProcess&& o) noexcept = default;  // kills and reaps the old one
  ~ShimProcess() = default;

  // Spawns the shim: fds 0 = /dev/null, 1 and 2 = one pipe (read end kept
  // here), 3 and 4 = the sockets; nothing else inherited. Own process group,
  // default signal dispositions, empty signal mask, cwd = launch.cwd (if set),
  // OOM score adj = ours + 1 (at most 1000; skipped where not permitted).
  // Environment: see launch_env.hpp. Consumes the launch's fds, also on error.
  // binary must be absolute; a missing one is NOT_FOUND "spawn <binary>: ...",
  // a non-executable one PERMISSION_DENIED.
  static Status spawn(ShimLaunch launch, ShimProcess* out);
  // Adopts a running process (recovery): pid checked against start_time
  // (field 22 of /proc/<pid>/stat) to guard against pid reuse: NOT_FOUND when
  // it is gone, exited or the start time differs ("pid reused"). It is not
  // our child: its exit status is never known (try_reap gives -1, 0).
  static Status adopt(pid_t pid, unsigned long long start_time, ShimProcess* out);

  pid_t pid() const { return child_.pid(); }
  // Readable once the process has exited: watch it, then call try_reap().
  int pidfd() const { return child_.pidfd(); }
  // The read end (blocking, O_CLOEXEC) of the child's stdout+stderr pipe
  // (empty after the first call).
  UniqueFd take_output() { return std::move(output_); }

  // Collects the exit status without blocking. True once reaped, with the
  // exit code (-1 if killed by a signal) and the signal (0 if it exited).
  // For an adopted process, true once it is gone, with -1 and 0.
  bool try_reap(int* exit_code = nullptr, int* signal = nullptr);
  bool reaped() const { return child_.reaped(); }
  // Forgets the process without killing it: emberd exits, the shim lives on.
  void release() {
    child_.release();
    output_.reset();
  }
  // Signals the whole process group (through the pidfd for the leader).
  // FAILED_PRECONDITION when empty or already reaped (the pid may be reused),
  // NOT_FOUND when no process of the group is left.
  Status kill_group(int sig) const { return child_.signal_group(sig); }

 private:
  UniqueFd output_;
  ChildProcess child_;  // destroyed first: killed before its output pipe closes
};

// Start time (clock ticks since boot, /proc/<pid>/stat field 22); 0 if gone.
unsigned long long process_start_time(pid_t pid);

}  // namespace ember::shimproc
