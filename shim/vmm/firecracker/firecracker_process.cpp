#include "shim/vmm/firecracker/firecracker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

extern char** environ;

namespace ember::shim::fc {
namespace {

Status exec_failure(const std::string& binary, int err) {
  std::string m = "exec " + binary + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(m));
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(m));
  return Status::Internal(std::move(m));
}

void close_range_or_each(unsigned first, unsigned last) {
  if (first > last) return;
  if (::syscall(SYS_close_range, first, last, 0) == 0) return;
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd <= static_cast<long>(last) && fd < max; ++fd)
    ::close(static_cast<int>(fd));
}

// Runs in the forked child of a threaded process: async-signal-safe calls
// only. Never returns.
[[noreturn]] void exec_child(pid_t parent, const char* binary, char* const* argv, const char* cwd,
                             int devnull, int err_fd) {
  int err = 0;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl took effect.
  if (::getppid() != parent) ::_exit(127);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);  // SIGPIPE is ignored in the shim
  if (::dup2(devnull, 0) < 0) err = errno;
  if (err == 0 && cwd != nullptr && ::chdir(cwd) != 0) err = errno;
  if (err == 0) {
    close_range_or_each(3, static_cast<unsigned>(err_fd) - 1);
    close_range_or_each(static_cast<unsigned>(err_fd) + 1, ~0U);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(binary, argv, environ);
    err = errno;
  }
  // err_fd is close-on-exec: the parent reads EOF on success, errno here.
  (void)!::write(err_fd, &err, sizeof(err));
  ::_exit(127);
}

}  // namespace

FirecrackerProcess::FirecrackerProcess(FirecrackerProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      reaped_(std::exchange(o.reaped_, false)),
      exit_code_(o.exit_code_),
      signal_(o.signal_) {}

FirecrackerProcess& FirecrackerProcess::operator=(FirecrackerProcess&& o) noexcept {
  if (this != &o) {
    FirecrackerProcess dead(std::move(*this));
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    reaped_ = std::exchange(o.reaped_, false);
    exit_code_ = o.exit_code_;
    signal_ = o.signal_;
  }
  return *this;
}

FirecrackerProcess::~FirecrackerProcess() {
  if (pid_ <= 0 || reaped_) return;
  kill();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

Status FirecrackerProcess::spawn(const FirecrackerCommand& cmd, FirecrackerProcess* out) {
  // Everything the child needs is prepared before fork().
  std::vector<std::string> argv_s = {cmd.binary};
  argv_s.insert(argv_s.end(), cmd.args.begin(), cmd.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) return Status::FromErrno("open /dev/null", errno);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  UniqueFd err_read(p[0]);
  UniqueFd err_write(p[1]);

  // No signal handler may run in the child before its dispositions are reset.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(parent, cmd.binary.c_str(), argv.data(), cmd.cwd.empty() ? nullptr : cmd.cwd.c_str(),
               devnull.get(), err_write.get());
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return Status::FromErrno("fork", fork_errno);
  err_write.reset();

  FirecrackerProcess proc;
  proc.pid_ = pid;
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(err_read.get(), &child_errno, sizeof(child_errno))) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    proc.reaped_ = true;
    return exec_failure(cmd.binary, child_errno);
  }
  proc.pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!proc.pidfd_) return Status::FromErrno("pidfd_open", errno);  // proc kills and reaps
  *out = std::move(proc);
  return Status::Ok();
}

void FirecrackerProcess::kill() {
  if (pid_ <= 0 || reaped_) return;
  if (pidfd_) {
    ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  } else {
    ::kill(pid_, SIGKILL);  // not reaped: the pid is still ours
  }
}

bool FirecrackerProcess::try_reap() {
  if (reaped_ || pid_ <= 0) return reaped_;
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r != pid_) return false;
  reaped_ = true;
  if (WIFSIGNALED(status)) {
    signal_ = WTERMSIG(status);
    exit_code_ = -1;
  } else {
    exit_code_ = WEXITSTATUS(status);
  }
  return true;
}

std::string FirecrackerProcess::describe_exit() const {
  if (signal_ != 0) return "killed by signal " + std::to_string(signal_);
  return "exit code " + std::to_string(exit_code_);
}

}  // namespace ember::shim::fc
