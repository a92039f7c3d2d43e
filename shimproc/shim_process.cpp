#include "shimproc/shim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "base/errno_status.hpp"
#include "shimproc/launch_env.hpp"

extern char** environ;

namespace ember::shimproc {
namespace {

// The first fd number the child does not get from us: the spawn moves every
// source fd at or above it, so no dup2 overwrites a source still to be copied.
constexpr int kFirstFreeFd = kFccontrolSocketFd + 1;

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the raw syscalls avoid it.
int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}
int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
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

Status move_above_targets(UniqueFd* fd) {
  if (fd->get() >= kFirstFreeFd) return Status::Ok();
  int moved = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, kFirstFreeFd);
  if (moved < 0) return errno_status("dup shim fd", errno);
  fd->reset(moved);
  return Status::Ok();
}

// Exactly fds 0-4 (stdin /dev/null, stdout+stderr the pipe, the two sockets),
// cwd, a pristine signal state and a new process group.
Status prepare_spawn(const ShimLaunch& launch, int output_fd, FileActions* fa, SpawnAttr* sa) {
  int err = ::posix_spawn_file_actions_addopen(&fa->fa, 0, "/dev/null", O_RDONLY, 0);
  if (err == 0) err = ::posix_spawn_file_actions_adddup2(&fa->fa, output_fd, 1);
  if (err == 0) err = ::posix_spawn_file_actions_adddup2(&fa->fa, output_fd, 2);
  if (err == 0) {
    err = ::posix_spawn_file_actions_adddup2(&fa->fa, launch.shim_socket.get(), kShimSocketFd);
  }
  if (err == 0) {
    err = ::posix_spawn_file_actions_adddup2(&fa->fa, launch.fccontrol_socket.get(),
                                             kFccontrolSocketFd);
  }
  // Every fd of ours is O_CLOEXEC already; closefrom also keeps out any fd a
  // library opened without it.
  if (err == 0) err = ::posix_spawn_file_actions_addclosefrom_np(&fa->fa, kFirstFreeFd);
  if (err == 0 && !launch.cwd.empty()) {
    err = ::posix_spawn_file_actions_addchdir_np(&fa->fa, launch.cwd.c_str());
  }
  if (err != 0) return errno_status("prepare shim spawn", err);

  sigset_t none;
  sigset_t all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  err = ::posix_spawnattr_setsigmask(&sa->attr, &none);
  if (err == 0) err = ::posix_spawnattr_setsigdefault(&sa->attr, &all);
  if (err == 0) err = ::posix_spawnattr_setpgroup(&sa->attr, 0);
  if (err == 0) {
    err = ::posix_spawnattr_setflags(
        &sa->attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  }
  if (err != 0) return errno_status("prepare shim spawn attributes", err);
  return Status::Ok();
}

Status read_oom_score_adj(int* out) {
  UniqueFd fd(::open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_status("open /proc/self/oom_score_adj", errno);
  char buf[16] = {};
  ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return errno_status("read /proc/self/oom_score_adj", n < 0 ? errno : EIO);
  *out = std::atoi(buf);
  return Status::Ok();
}

// Makes the shim a likelier OOM victim than emberd: ours + 1, at most 1000.
Status raise_oom_score(pid_t pid) {
  int ours = 0;
  Status s = read_oom_score_adj(&ours);
  if (!s.ok()) return s;
  std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
  std::string value = std::to_string(std::min(ours + 1, 1000));
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  int err = 0;
  if (!fd) {
    err = errno;
  } else if (::write(fd.get(), value.data(), value.size()) < 0) {
    err = errno;
  }
  if (err == 0) return Status::Ok();
  // Not allowed (an unprivileged emberd, some containers): the score is a
  // preference, not worth failing a VM over.
  if (err == EACCES || err == EPERM) {
    spdlog::debug("cannot set {} to {}: {}", path, value, std::strerror(err));
    return Status::Ok();
  }
  // Already exited: try_reap reports that.
  if (err == ESRCH || err == ENOENT) return Status::Ok();
  return errno_status("write " + path, err);
}

}  // namespace

ShimProcess::ShimProcess(ShimProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      output_(std::move(o.output_)),
      reaped_(std::exchange(o.reaped_, false)),
      exit_code_(o.exit_code_),
      signal_(o.signal_) {}

ShimProcess& ShimProcess::operator=(ShimProcess&& o) noexcept {
  if (this != &o) {
    destroy();
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    output_ = std::move(o.output_);
    reaped_ = std::exchange(o.reaped_, false);
    exit_code_ = o.exit_code_;
    signal_ = o.signal_;
  }
  return *this;
}

ShimProcess::~ShimProcess() {
  destroy();
}

Status ShimProcess::spawn(ShimLaunch launch, ShimProcess* out) {
  if (launch.binary.empty() || launch.binary[0] != '/') {
    return Status::InvalidArgument("shim binary \"" + launch.binary +
                                   "\" must be an absolute path");
  }
  if (!launch.shim_socket || !launch.fccontrol_socket) {
    return Status::InvalidArgument("shim launch for VM " + launch.vm_id +
                                   " needs both listening sockets");
  }
  if (!launch.cwd.empty()) {
    // Checked here so a spawn failure below is about the binary alone.
    struct stat st {};
    if (::stat(launch.cwd.c_str(), &st) != 0) {
      return errno_status("shim working directory " + launch.cwd, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      return Status::FailedPrecondition("shim working directory " + launch.cwd +
                                        " is not a directory");
    }
  }
  std::vector<std::string> env;
  Status s = shim_environment(launch.vm_id, launch.containerd_address, launch.env, environ, &env);
  if (!s.ok()) return s;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_status("create shim output pipe", errno);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  s = move_above_targets(&write_end);
  if (s.ok()) s = move_above_targets(&launch.shim_socket);
  if (s.ok()) s = move_above_targets(&launch.fccontrol_socket);
  FileActions fa;
  SpawnAttr sa;
  if (s.ok()) s = prepare_spawn(launch, write_end.get(), &fa, &sa);
  if (!s.ok()) return s;

  std::vector<char*> argv;
  argv.push_back(launch.binary.data());
  for (std::string& a : launch.args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int err = ::posix_spawn(&pid, launch.binary.c_str(), &fa.fa, &sa.attr, argv.data(), envp.data());
  if (err != 0) return errno_status("spawn " + launch.binary, err);

  ShimProcess p;
  p.pid_ = pid;
  p.pidfd_.reset(pidfd_open(pid));
  if (!p.pidfd_) {
    err = errno;
    // Without a pidfd the destructor cannot reap it: do it here.
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    p.pid_ = -1;
    return errno_status("pidfd_open for shim pid " + std::to_string(pid), err);
  }
  p.output_ = std::move(read_end);
  s = raise_oom_score(pid);
  if (!s.ok()) return s;  // p's destructor kills and reaps the shim
  *out = std::move(p);
  return Status::Ok();
}

Status ShimProcess::adopt(pid_t pid, unsigned long long start_time, ShimProcess* out) {
  std::string what = "adopt shim pid " + std::to_string(pid);
  if (pid <= 0) return Status::InvalidArgument(what + ": not a process id");
  UniqueFd fd(pidfd_open(pid));
  if (!fd) return errno_status(what, errno);
  unsigned long long now = process_start_time(pid);
  if (now != start_time) {
    return Status::NotFound(what + ": pid reused (start time " + std::to_string(now) +
                            ", expected " + std::to_string(start_time) + ")");
  }
  // Still running after the start time was read: the pidfd and /proc/<pid>
  // were the same process.
  if (pidfd_exited(fd.get(), 0)) return Status::NotFound(what + ": process has exited");
  ShimProcess p;
  p.pid_ = pid;
  p.pidfd_ = std::move(fd);
  *out = std::move(p);
  return Status::Ok();
}

bool ShimProcess::try_reap(int* exit_code, int* signal) {
  if (!reaped_ && pidfd_) {
    siginfo_t info{};
    int r;
    do {
      r = ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED | WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0 && info.si_pid != 0) {
      reaped_ = true;
      exit_code_ = info.si_code == CLD_EXITED ? info.si_status : -1;
      signal_ = info.si_code == CLD_EXITED ? 0 : info.si_status;
    } else if (r < 0 && errno == ECHILD && pidfd_exited(pidfd_.get(), 0)) {
      // Not our child (adopted): someone else reaps it; the status is unknown.
      reaped_ = true;
      exit_code_ = -1;
      signal_ = 0;
    }
  }
  if (reaped_) {
    if (exit_code != nullptr) *exit_code = exit_code_;
    if (signal != nullptr) *signal = signal_;
  }
  return reaped_;
}

Status ShimProcess::kill_group(int sig) const {
  if (!pidfd_) return Status::FailedPrecondition("no shim process");
  std::string what = "signal shim pid " + std::to_string(pid_);
  // After the reap the pid (and so the group id) may belong to someone else.
  if (reaped_) return Status::FailedPrecondition(what + ": it has exited already");
  // The leader through its pidfd (immune to pid reuse), then the rest of its group.
  int leader_err = pidfd_send_signal(pidfd_.get(), sig) == 0 ? 0 : errno;
  int group_err = ::kill(-pid_, sig) == 0 ? 0 : errno;
  if (leader_err != 0 && leader_err != ESRCH) return errno_status(what, leader_err);
  if (group_err != 0 && group_err != ESRCH) return errno_status(what + " group", group_err);
  if (leader_err == ESRCH && group_err == ESRCH) {
    return Status::NotFound(what + ": no process left in its group");
  }
  return Status::Ok();
}

void ShimProcess::destroy() {
  if (pidfd_ && !reaped_) {
    Status s = kill_group(SIGKILL);
    if (s.ok() || s.code() == Code::not_found) {
      siginfo_t info{};
      int r;
      do {
        r = ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED);
      } while (r < 0 && errno == EINTR);
      if (r < 0 && errno == ECHILD) pidfd_exited(pidfd_.get(), -1);  // adopted: wait for exit
    } else {
      spdlog::error("cannot kill shim pid {}: {}", pid_, s.message());
    }
  }
  pid_ = -1;
  pidfd_.reset();
  output_.reset();
  reaped_ = false;
}

unsigned long long process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  UniqueFd fd(::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  std::string text;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  // Field 2, the command, is in parentheses and may hold spaces and ')'; the
  // fields after the last ')' start with field 3 (state).
  size_t pos = text.rfind(')');
  if (pos == std::string::npos) return 0;
  for (int field = 3; field <= 22; ++field) {
    pos = text.find(' ', pos + 1);
    if (pos == std::string::npos) return 0;
  }
  return std::strtoull(text.c_str() + pos + 1, nullptr, 10);
}

}  // namespace ember::shimproc
