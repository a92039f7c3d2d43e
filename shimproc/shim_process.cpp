#include "shimproc/shim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
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

// True when the process behind pidfd has exited, without waiting.
bool has_exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

// fds 0 = /dev/null, 1 and 2 = the output pipe, 3 and 4 = the sockets.
ChildSpec shim_spec(const ShimLaunch& launch, std::vector<std::string> env, int output_fd) {
  ChildSpec spec;
  spec.name = "shim";
  spec.binary = launch.binary;
  spec.args = launch.args;
  spec.env = std::move(env);
  spec.cwd = launch.cwd;
  spec.fds = {{1, output_fd},
              {2, output_fd},
              {kShimSocketFd, launch.shim_socket.get()},
              {kFccontrolSocketFd, launch.fccontrol_socket.get()}};
  spec.own_process_group = true;
  spec.parent_death_signal = launch.parent_death_signal;
  return spec;
}

Status check_launch(const ShimLaunch& launch) {
  if (launch.binary.empty() || launch.binary[0] != '/') {
    return Status::InvalidArgument("shim binary \"" + launch.binary +
                                   "\" must be an absolute path");
  }
  if (!launch.shim_socket || !launch.fccontrol_socket) {
    return Status::InvalidArgument("shim launch for VM " + launch.vm_id +
                                   " needs both listening sockets");
  }
  if (launch.cwd.empty()) return Status::Ok();
  // Checked here so a spawn failure below is about the binary alone.
  struct stat st {};
  if (::stat(launch.cwd.c_str(), &st) != 0) {
    return errno_status("shim working directory " + launch.cwd, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("shim working directory " + launch.cwd +
                                      " is not a directory");
  }
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

Status ShimProcess::spawn(ShimLaunch launch, ShimProcess* out) {
  Status s = check_launch(launch);
  if (!s.ok()) return s;
  std::vector<std::string> env;
  s = shim_environment(launch.vm_id, launch.containerd_address, launch.env, environ, &env);
  if (!s.ok()) return s;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_status("create shim output pipe", errno);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  ShimProcess p;
  s = ChildProcess::spawn(shim_spec(launch, std::move(env), write_end.get()), &p.child_);
  if (!s.ok()) return s;
  p.output_ = std::move(read_end);
  s = raise_oom_score(p.pid());
  if (!s.ok()) return s;  // p's destructor kills and reaps the shim
  *out = std::move(p);
  return Status::Ok();
}

Status ShimProcess::adopt(pid_t pid, unsigned long long start_time, ShimProcess* out) {
  std::string what = "adopt shim pid " + std::to_string(pid);
  if (pid <= 0) return Status::InvalidArgument(what + ": not a process id");
  ChildProcess child;
  Status s = ChildProcess::adopt("shim", pid, /*leads_group=*/true, &child);
  if (!s.ok()) return s;
  unsigned long long now = process_start_time(pid);
  if (now != start_time) {
    child.release();  // not the shim: leave it alone
    return Status::NotFound(what + ": pid reused (start time " + std::to_string(now) +
                            ", expected " + std::to_string(start_time) + ")");
  }
  // Still running after the start time was read: the pidfd and /proc/<pid>
  // were the same process.
  if (has_exited(child.pidfd())) {
    child.release();
    return Status::NotFound(what + ": process has exited");
  }
  out->output_.reset();
  out->child_ = std::move(child);
  return Status::Ok();
}

bool ShimProcess::try_reap(int* exit_code, int* signal) {
  if (!child_.try_reap()) return false;
  if (exit_code != nullptr) *exit_code = child_.exit().code;
  if (signal != nullptr) *signal = child_.exit().signal;
  return true;
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
