#include "shimproc/child_spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/mempolicy.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/errno_status.hpp"

extern char** environ;

namespace ember::shimproc::detail {
namespace {

// The step a spawn failed in.
enum Step : int {
  kPrepare = 1,
  kChdir = 2,
  kExec = 3,
  kCgroup = 4,
  kAffinity = 5,
  kMemoryPolicy = 6,
  kIds = 7
};

struct SpawnFailure {
  int err = 0;  // 0: started
  int step = 0;
};

// Everything a spawn needs, made before it starts: the vfork child only
// reads it and makes async-signal-safe calls.
struct SpawnPlan {
  const char* binary;
  char* const* argv;
  char* const* envp;
  const char* cwd;  // nullptr keeps ours
  // Sources are O_CLOEXEC copies numbered at or above first_closed, so no
  // dup2 overwrites a source that is still to be copied.
  std::vector<FdMapping> dups;
  std::vector<int> closes;  // the fds below first_closed that no mapping targets
  int first_closed;         // every fd from here on is closed in the child
  long max_fd;              // for the close loop where close_range is missing
  bool own_process_group;
  int parent_death_signal;
  const ChildSpec* confinement;  // its join_cgroup_procs_fds .. gid
};

// Owners of posix_spawn's two attribute objects.
struct FileActions {
  FileActions() { ::posix_spawn_file_actions_init(&fa); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&fa); }
  posix_spawn_file_actions_t fa;
};
struct SpawnAttr {
  SpawnAttr() { ::posix_spawnattr_init(&attr); }
  ~SpawnAttr() { ::posix_spawnattr_destroy(&attr); }
  posix_spawnattr_t attr;
};

int prepare_attr(const SpawnPlan& plan, SpawnAttr* sa) {
  sigset_t none;
  ::sigemptyset(&none);
  // Every bit, libc's internal signals too: sigfillset leaves those out, and
  // posix_spawn then sets them to SIG_IGN, which the exec would keep.
  sigset_t all;
  std::memset(&all, 0xff, sizeof(all));
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  int err = ::posix_spawnattr_setsigmask(&sa->attr, &none);
  if (err == 0) err = ::posix_spawnattr_setsigdefault(&sa->attr, &all);
  if (err == 0 && plan.own_process_group) {
    err = ::posix_spawnattr_setpgroup(&sa->attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  if (err == 0) err = ::posix_spawnattr_setflags(&sa->attr, flags);
  return err;
}

SpawnFailure spawn_posix(const SpawnPlan& plan, pid_t* pid) {
  FileActions fa;
  SpawnAttr sa;
  int err = 0;
  for (const FdMapping& m : plan.dups) {
    if (err == 0) err = ::posix_spawn_file_actions_adddup2(&fa.fa, m.ours, m.child);
  }
  // Every fd of ours is O_CLOEXEC already; closing also keeps out any fd a
  // library opened without it (posix_spawn ignores EBADF here).
  for (int fd : plan.closes) {
    if (err == 0) err = ::posix_spawn_file_actions_addclose(&fa.fa, fd);
  }
  if (err == 0) err = ::posix_spawn_file_actions_addclosefrom_np(&fa.fa, plan.first_closed);
  if (err == 0 && plan.cwd != nullptr) {
    err = ::posix_spawn_file_actions_addchdir_np(&fa.fa, plan.cwd);
  }
  if (err == 0) err = prepare_attr(plan, &sa);
  if (err != 0) return {err, kPrepare};
  // A chdir failure looks like an exec failure here: start_child checked the
  // directory before.
  err = ::posix_spawn(pid, plan.binary, &fa.fa, &sa.attr, plan.argv, plan.envp);
  if (err != 0) return {err, kExec};
  return {};
}

// What the vfork child reports when it cannot exec, through a close-on-exec
// pipe (EOF: the exec happened). A pipe, not the memory vfork shares: some
// sandboxes run vfork as fork.
struct VforkReport {
  int step;
  int err;
};

[[noreturn]] void child_fail(int report_fd, int step, int err) {
  const VforkReport r{step, err};
  ssize_t ignored = ::write(report_fd, &r, sizeof(r));
  (void)ignored;
  ::_exit(127);
}

// Closes the unmapped fds below first_closed and marks every fd from there
// on close-on-exec (the report pipe must stay open until the exec).
void close_unmapped(const SpawnPlan& p, int report_fd) {
  for (int fd : p.closes)
    ::close(fd);
  const unsigned first = static_cast<unsigned>(p.first_closed);
  if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  for (long fd = p.first_closed; fd < p.max_fd; ++fd) {
    if (fd != report_fd) ::close(static_cast<int>(fd));
  }
}

// The vfork child: async-signal-safe calls only; never returns. Not inlined:
// in its own frame, below the parent's stack pointer, its locals cannot take
// a stack slot of spawn_vfork's (the compiler would share slots between the
// child's branch and the parent's, thinking they never both run).
// Raw system calls: glibc's setuid family would try to reach every thread
// of the parent (whose memory a vfork child shares); the kernel applies
// credentials per thread, and this child is one.
void confine_child(const ChildSpec& c, int report_fd) {
  for (int fd : c.join_cgroup_procs_fds) {
    if (::write(fd, "0", 1) != 1) child_fail(report_fd, kCgroup, errno);
  }
  if (c.cpu_affinity &&
      ::syscall(SYS_sched_setaffinity, 0, sizeof(cpu_set_t), &*c.cpu_affinity) != 0) {
    child_fail(report_fd, kAffinity, errno);
  }
  if (!c.memory_nodes.empty() &&
      ::syscall(SYS_set_mempolicy, MPOL_BIND, c.memory_nodes.data(),
                c.memory_nodes.size() * sizeof(unsigned long) * 8 + 1) != 0) {
    child_fail(report_fd, kMemoryPolicy, errno);
  }
  if (c.uid && c.gid) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, *c.gid, *c.gid, *c.gid) != 0 ||
        ::syscall(SYS_setresuid, *c.uid, *c.uid, *c.uid) != 0) {
      child_fail(report_fd, kIds, errno);
    }
  }
}

[[noreturn, gnu::noinline]] void run_vfork_child(const SpawnPlan& p, pid_t parent, int report_fd) {
  // Before the credentials change: the working directory may be ours only.
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) child_fail(report_fd, kChdir, errno);
  // Before the parent-death signal: a credential change clears it.
  confine_child(*p.confinement, report_fd);
  if (p.parent_death_signal != 0 && ::prctl(PR_SET_PDEATHSIG, p.parent_death_signal) != 0) {
    child_fail(report_fd, kPrepare, errno);
  }
  // The parent may have died before the line above: then nobody would signal us.
  if (::getppid() != parent) ::_exit(127);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);  // some refuse (SIGKILL, libc's own): fine
  if (p.own_process_group && ::setpgid(0, 0) != 0) child_fail(report_fd, kPrepare, errno);
  // dup2 onto a different number clears close-on-exec on the target.
  for (const FdMapping& m : p.dups) {
    if (::dup2(m.ours, m.child) < 0) child_fail(report_fd, kPrepare, errno);
  }
  close_unmapped(p, report_fd);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // last: no handler of ours is left
  ::execve(p.binary, p.argv, p.envp);
  child_fail(report_fd, kExec, errno);
}

SpawnFailure spawn_vfork(const SpawnPlan& plan, pid_t* pid) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return {errno, kPrepare};
  UniqueFd report_read(report[0]);
  // Above every target fd, so no dup2 in the child overwrites it.
  UniqueFd report_write(::fcntl(report[1], F_DUPFD_CLOEXEC, plan.first_closed));
  const int dup_err = errno;
  ::close(report[1]);
  if (!report_write) return {dup_err, kPrepare};
  const pid_t parent = ::getpid();
  sigset_t all;
  sigset_t old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t child = ::vfork();
  if (child == 0) run_vfork_child(plan, parent, report_write.get());
  const int vfork_err = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (child < 0) return {vfork_err, kPrepare};
  report_write.reset();
  VforkReport r{0, 0};
  ssize_t n;
  while ((n = ::read(report_read.get(), &r, sizeof(r))) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof(r))) {
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    return {r.err, r.step};
  }
  *pid = child;
  return {};
}

Status check_spec(const ChildSpec& spec) {
  if (spec.binary.empty() || spec.binary[0] != '/') {
    return Status::InvalidArgument(spec.name + " binary \"" + spec.binary +
                                   "\" must be an absolute path");
  }
  for (size_t i = 0; i < spec.fds.size(); ++i) {
    const FdMapping& m = spec.fds[i];
    bool repeated = std::any_of(spec.fds.begin(), spec.fds.begin() + static_cast<long>(i),
                                [&m](const FdMapping& o) { return o.child == m.child; });
    if (m.child < 0 || m.ours < 0 || repeated) {
      return Status::InvalidArgument("spawn " + spec.binary + ": bad fd mapping " +
                                     std::to_string(m.ours) + " -> " + std::to_string(m.child));
    }
  }
  if (spec.uid.has_value() != spec.gid.has_value()) {
    return Status::InvalidArgument("spawn " + spec.binary + ": uid and gid must be set together");
  }
  if (spec.cwd.empty()) return Status::Ok();
  struct stat st {};
  if (::stat(spec.cwd.c_str(), &st) != 0) return errno_status("chdir " + spec.cwd, errno);
  if (!S_ISDIR(st.st_mode)) return errno_status("chdir " + spec.cwd, ENOTDIR);
  return Status::Ok();
}

// The fds the plan dups from: O_CLOEXEC copies at or above first_closed,
// /dev/null for fds 0-2 the spec leaves out. Owned here until the spawn is done.
Status copy_sources(const ChildSpec& spec, int first_closed, std::vector<UniqueFd>* owned,
                    std::vector<FdMapping>* dups) {
  std::vector<FdMapping> wanted = spec.fds;
  UniqueFd devnull;
  for (int fd = 0; fd <= 2; ++fd) {
    auto it = std::find_if(wanted.begin(), wanted.end(),
                           [fd](const FdMapping& m) { return m.child == fd; });
    if (it != wanted.end()) continue;
    if (!devnull) devnull.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devnull) return errno_status("open /dev/null", errno);
    wanted.push_back({fd, devnull.get()});
  }
  for (const FdMapping& m : wanted) {
    UniqueFd copy(::fcntl(m.ours, F_DUPFD_CLOEXEC, first_closed));
    if (!copy)
      return errno_status("spawn " + spec.binary + ": fd " + std::to_string(m.ours), errno);
    dups->push_back({m.child, copy.get()});
    owned->push_back(std::move(copy));
  }
  return Status::Ok();
}

std::vector<char*> pointers(std::vector<std::string>* strings) {
  std::vector<char*> out;
  for (std::string& s : *strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

Status failure_status(const ChildSpec& spec, SpawnFailure f) {
  if (f.step == kChdir) return errno_status("chdir " + spec.cwd, f.err);
  if (f.step == kExec) return errno_status("spawn " + spec.binary, f.err);
  static const char* const kConfineSteps[] = {"join its cgroup", "set its CPU affinity",
                                              "set its memory policy", "set its uid and gid"};
  if (f.step >= kCgroup && f.step <= kIds) {
    return errno_status(spec.name + ": cannot " + kConfineSteps[f.step - kCgroup], f.err);
  }
  return errno_status("prepare spawn of " + spec.binary, f.err);
}

}  // namespace

Status start_child(const ChildSpec& spec, pid_t* pid) {
  Status s = check_spec(spec);
  if (!s.ok()) return s;
  int first_closed = 3;
  for (const FdMapping& m : spec.fds)
    first_closed = std::max(first_closed, m.child + 1);
  std::vector<UniqueFd> owned;
  SpawnPlan plan{};
  s = copy_sources(spec, first_closed, &owned, &plan.dups);
  if (!s.ok()) return s;
  for (int fd = 3; fd < first_closed; ++fd) {
    auto mapped = [fd](const FdMapping& m) { return m.child == fd; };
    if (std::none_of(spec.fds.begin(), spec.fds.end(), mapped)) plan.closes.push_back(fd);
  }

  std::vector<std::string> argv_s = {spec.binary};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_s = spec.env.value_or(std::vector<std::string>());
  std::vector<char*> argv = pointers(&argv_s);
  std::vector<char*> envp = pointers(&env_s);
  plan.binary = spec.binary.c_str();
  plan.argv = argv.data();
  plan.envp = spec.env ? envp.data() : environ;
  plan.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  plan.first_closed = first_closed;
  plan.max_fd = ::sysconf(_SC_OPEN_MAX);
  plan.own_process_group = spec.own_process_group;
  plan.parent_death_signal = spec.parent_death_signal;
  plan.confinement = &spec;

  const bool confined = !spec.join_cgroup_procs_fds.empty() || spec.cpu_affinity ||
                        !spec.memory_nodes.empty() || spec.uid || spec.gid;
  SpawnFailure f =
      spec.parent_death_signal != 0 || confined ? spawn_vfork(plan, pid) : spawn_posix(plan, pid);
  if (f.err != 0) return failure_status(spec, f);
  return Status::Ok();
}

}  // namespace ember::shimproc::detail
