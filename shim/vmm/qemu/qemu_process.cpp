#include "shim/vmm/qemu/qemu_process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errno_status.hpp"

namespace ember::shim {
namespace {

// What a child that could not exec writes to the parent.
struct ChildFailure {
  int stage;  // kChdir or kExec
  int err;
};
constexpr int kChdir = 1;
constexpr int kExec = 2;

// Everything the child needs, prepared before fork: after it, the child may
// only make async-signal-safe calls (the shim may have other threads).
struct ChildPlan {
  pid_t parent;
  const char* binary;
  char* const* argv;
  const char* cwd;  // nullptr: keep
  int devnull;      // all fds here are above every target number
  int output;
  const int* fds;
  int nfds;
  int report;  // write end of the failure pipe (close-on-exec)
  long max_fd;
};

[[noreturn]] void child_fail(const ChildPlan& p, int stage, int err) {
  const ChildFailure f{stage, err};
  ssize_t ignored = ::write(p.report, &f, sizeof(f));
  (void)ignored;
  ::_exit(127);
}

[[noreturn]] void run_child(const ChildPlan& p) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before the line above: then nobody would kill us.
  if (::getppid() != p.parent) ::_exit(127);

  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);  // some refuse: fine
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // dup2 onto a different number clears close-on-exec on the target.
  if (::dup2(p.devnull, 0) < 0 || ::dup2(p.output, 1) < 0 || ::dup2(p.output, 2) < 0) {
    child_fail(p, kExec, errno);
  }
  for (int i = 0; i < p.nfds; ++i) {
    if (::dup2(p.fds[i], 3 + i) < 0) child_fail(p, kExec, errno);
  }
  const int first_free = 3 + p.nfds;
  if (::syscall(SYS_close_range, first_free, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (long fd = first_free; fd < p.max_fd; ++fd) {
      if (fd != p.report) ::close(static_cast<int>(fd));
    }
  }
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) child_fail(p, kChdir, errno);
  ::execv(p.binary, p.argv);
  child_fail(p, kExec, errno);
}

// A close-on-exec copy of fd numbered at least `min`.
Status dup_above(int fd, int min, UniqueFd* out) {
  out->reset(::fcntl(fd, F_DUPFD_CLOEXEC, min));
  if (!out->valid()) return errno_status("dup fd " + std::to_string(fd), errno);
  return Status::Ok();
}

}  // namespace

Status QemuProcess::spawn(const QemuLaunch& launch, std::unique_ptr<QemuProcess>* out) {
  const int nfds = static_cast<int>(launch.fds.size());
  const int first_free = 3 + nfds;
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno_status("pipe2", errno);
  UniqueFd report_rd(report[0]);
  UniqueFd report_wr_low(report[1]);
  // Every fd the child dups from sits above every target number, so no dup2
  // overwrites a source still needed (or the failure pipe).
  UniqueFd report_wr, devnull, output;
  Status s = dup_above(report_wr_low.get(), first_free, &report_wr);
  report_wr_low.reset();
  UniqueFd devnull_low(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull_low.valid()) return errno_status("open /dev/null", errno);
  if (s.ok()) s = dup_above(devnull_low.get(), first_free, &devnull);
  if (s.ok()) {
    s = dup_above(launch.output_fd >= 0 ? launch.output_fd : devnull_low.get(), first_free,
                  &output);
  }
  std::vector<UniqueFd> sources(launch.fds.size());
  std::vector<int> source_fds;
  for (size_t i = 0; s.ok() && i < launch.fds.size(); ++i) {
    s = dup_above(launch.fds[i], first_free, &sources[i]);
    source_fds.push_back(sources[i].get());
  }
  if (!s.ok()) return s;

  std::vector<std::string> argv_s;
  argv_s.push_back(launch.binary);
  argv_s.insert(argv_s.end(), launch.args.begin(), launch.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  ChildPlan plan;
  plan.parent = ::getpid();
  plan.binary = launch.binary.c_str();
  plan.argv = argv.data();
  plan.cwd = launch.cwd.empty() ? nullptr : launch.cwd.c_str();
  plan.devnull = devnull.get();
  plan.output = output.get();
  plan.fds = source_fds.data();
  plan.nfds = nfds;
  plan.report = report_wr.get();
  plan.max_fd = ::sysconf(_SC_OPEN_MAX);

  const pid_t pid = ::fork();
  if (pid < 0) return errno_status("fork", errno);
  if (pid == 0) run_child(plan);

  report_wr.reset();  // our copy: EOF on the pipe now means the exec happened
  ChildFailure failure{0, 0};
  ssize_t n;
  do {
    n = ::read(report_rd.get(), &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const int pidfd_err = errno;
  if (n > 0 || !pidfd.valid()) {
    if (n <= 0) ::kill(pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (n <= 0) return errno_status("pidfd_open", pidfd_err);
    if (failure.stage == kChdir) return errno_status("chdir " + launch.cwd, failure.err);
    return errno_status("exec " + launch.binary, failure.err);
  }
  out->reset(new QemuProcess(pid, std::move(pidfd)));
  return Status::Ok();
}

QemuProcess::~QemuProcess() {
  if (reaped_) return;
  signal(SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

void QemuProcess::signal(int sig) const {
  if (!reaped_) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0);
}

bool QemuProcess::try_reap() {
  if (reaped_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  reaped_ = true;
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    term_signal_ = WTERMSIG(status);
  }
  return true;
}

std::string QemuProcess::describe_exit() const {
  if (!reaped_) return "still running";
  if (term_signal_ != 0) {
    return "killed by signal " + std::to_string(term_signal_) + " (" + ::strsignal(term_signal_) +
           ")";
  }
  return "exited with code " + std::to_string(exit_code_);
}

}  // namespace ember::shim
