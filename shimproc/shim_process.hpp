#pragma once
// ShimProcess: one running ember-shim (or any program following the shim
// launch contract), owned by pid + pidfd. Destruction kills the process group
// and reaps unless the exit was already observed.
#include <sys/types.h>

#include <string>
#include <vector>

#include "io/status.hpp"
#include "io/unique_fd.hpp"

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
};

class ShimProcess {
 public:
  ShimProcess() = default;
  ShimProcess(ShimProcess&& o) noexcept;
  ShimProcess& operator=(ShimProcess&& o) noexcept;
  ~ShimProcess();

  // Spawns the shim: fds 0 = /dev/null, 1 and 2 = one pipe (read end kept
  // here), 3 and 4 = the sockets; nothing else inherited. Own process group,
  // OOM score adj = ours + 1. Consumes the launch's fds.
  static Status spawn(ShimLaunch launch, ShimProcess* out);
  // Adopts a running process (recovery): pid checked against start_time
  // (field 22 of /proc/<pid>/stat) to guard against pid reuse.
  static Status adopt(pid_t pid, unsigned long long start_time, ShimProcess* out);

  pid_t pid() const { return pid_; }
  // Readable once the process has exited: watch it, then call reap().
  int pidfd() const { return pidfd_.get(); }
  // The read end of the child's stdout+stderr pipe (empty after the first call).
  UniqueFd take_output() { return std::move(output_); }

  // Collects the exit status without blocking. True once reaped; a
  // wait status as from waitid (si_code/si_status) is returned via out params.
  bool try_reap(int* exit_code = nullptr, int* signal = nullptr);
  bool reaped() const { return reaped_; }
  // Signals the whole process group (through the pidfd for the leader).
  Status kill_group(int sig) const;

 private:
  void destroy();
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd output_;
  bool reaped_ = false;  // true once waitid collected the exit status
};

// Start time (clock ticks since boot, /proc/<pid>/stat field 22); 0 if gone.
unsigned long long process_start_time(pid_t pid);

}  // namespace ember::shimproc
