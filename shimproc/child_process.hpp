#pragma once
// ChildProcess: the one owner of a child process (emberd's shims, the shim's
// VMMs): pid + pidfd, one reaper per child (its pidfd, never waitpid(-1)).
// Destruction kills (SIGKILL; the whole group when it leads one) and reaps
// unless the exit was observed or the process was released.
//
// How it starts: posix_spawn, which never runs our code in the child. The
// child gets exactly the fds of ChildSpec::fds (fds 0-2 not listed there are
// /dev/null; every other fd is closed: ours are O_CLOEXEC anyway, and this
// also keeps out any a library opened without it), default signal
// dispositions (libc's internal signals too), an empty signal mask, the
// working directory and, if asked, its own process group.
//
// Parent-death signal: posix_spawn cannot set PR_SET_PDEATHSIG, so a spec
// with parent_death_signal (or any confinement, see ChildSpec) uses a small
// vfork path instead: all signals are blocked in the calling thread around
// vfork (no handler of ours may run in the child, which shares our memory
// until it execs), the child changes to cwd, applies the confinement, sets
// the death signal (after the credentials: a change of them clears it),
// exits if its parent died before that took effect, resets dispositions,
// group and fds, sets the empty mask last and execs; a
// failure reaches the parent through a close-on-exec pipe with the step
// that failed. Linux sends the death signal when the THREAD that spawned the
// child ends, so spawn such children from a thread that lives as long as
// the process (the shim's loop thread).
#include <sched.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shimproc {

// How a child ended.
struct ChildExit {
  int code = -1;   // the exit code; -1 when a signal ended it or it is unknown
  int signal = 0;  // the signal that ended it; 0 when it exited or it is unknown

  bool clean() const { return code == 0; }
  // "exited with code 3", "killed by signal 9 (Killed)", or "exited (status
  // unknown)" for a process that was not our child.
  std::string describe() const;
};

// Our fd `ours` becomes the child's fd `child`.
struct FdMapping {
  int child;
  int ours;
};

struct ChildSpec {
  std::string name = "child";     // names it in errors: "signal qemu pid 12: ..."
  std::string binary;             // absolute path; also argv[0]
  std::vector<std::string> args;  // argv[1..]
  // NAME=value entries; nullopt: ours (environ).
  std::optional<std::vector<std::string>> env;
  std::string cwd;                 // "" keeps ours
  std::vector<FdMapping> fds;      // distinct child fds; a source may appear twice
  bool own_process_group = false;  // else it stays in ours (our group kill reaches it)
  int parent_death_signal = 0;     // 0: none; see the note at the top

  // Confinement (a VMM's JailerConfig), applied in the child before it execs,
  // in this order, by the vfork path (a spec that sets any of these takes
  // it). "0" is written to each fd (open cgroup.procs files): the child
  // joins those cgroups before it runs a single instruction of its program.
  std::vector<int> join_cgroup_procs_fds;
  std::optional<cpu_set_t> cpu_affinity;  // sched_setaffinity
  // A node mask for set_mempolicy(MPOL_BIND) (bit n: node n); empty: ours.
  std::vector<unsigned long> memory_nodes;
  // setgroups(0), setresgid, setresuid: before the parent-death signal is
  // set, since a credential change clears it. Both or neither.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;  // kills and reaps the old one
  ~ChildProcess();

  // Answers once the exec happened. Errors: INVALID_ARGUMENT for a relative
  // binary or a bad fd map, "chdir <cwd>: ..." for a working directory that
  // is missing or not a directory, "spawn <binary>: ..." with the code of the
  // exec's errno (NOT_FOUND, PERMISSION_DENIED, ...). Nothing is left behind
  // on error.
  static Status spawn(const ChildSpec& spec, ChildProcess* out);
  // Owns a running process that is not our child (recovery): it is killed
  // and waited for like a child, but its exit status is never known.
  // `leads_group`: kills reach its whole process group. Errors as pidfd_open.
  static Status adopt(const std::string& name, pid_t pid, bool leads_group, ChildProcess* out);

  // -1 when empty; kept after the exit, for messages only (it may be reused).
  pid_t pid() const { return pid_; }
  // Readable once the process has exited: watch it, then try_reap().
  int pidfd() const { return pidfd_.get(); }
  bool valid() const { return pidfd_.valid(); }

  // The signal through the pidfd (never reaches a reused pid).
  // FAILED_PRECONDITION when empty or reaped, NOT_FOUND when it is gone.
  Status signal(int sig) const;
  // The leader through its pidfd, then the rest of its process group.
  // FAILED_PRECONDITION when empty or reaped, NOT_FOUND when no process of
  // the group is left.
  Status signal_group(int sig) const;

  // Collects the exit without blocking; true once reaped (or released).
  bool try_reap();
  // Blocks until the process has exited and collects it. Empty: {-1, 0}.
  const ChildExit& wait();
  bool reaped() const { return reaped_; }
  // Valid once reaped().
  const ChildExit& exit() const { return exit_; }

  // Forgets the process without killing it (emberd exits, the shim lives
  // on): afterwards pid() is -1 and reaped() true.
  void release();

 private:
  ChildProcess(std::string name, pid_t pid, UniqueFd pidfd, bool own_child, bool leads_group);
  std::string what() const;  // "qemu pid 12"
  void kill_and_reap();

  std::string name_ = "child";
  pid_t pid_ = -1;
  UniqueFd pidfd_;            // open from spawn/adopt until release or destruction
  bool own_child_ = false;    // false when adopted: waitid cannot collect it
  bool leads_group_ = false;  // kills go to the whole group
  bool reaped_ = false;       // true once the exit was observed; pid_ may then be reused
  ChildExit exit_;            // valid once reaped_
};

}  // namespace ember::shimproc
