// spawn_qemu with real children (sleep, sh): what the child inherits, how
// its end is reported, and that no child outlives its owner.
#include "shim/vmm/qemu/qemu_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/fd_census.hpp"
#include "tests/support/shim_harness.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

using shim::qemu::QemuLaunch;
using shim::qemu::spawn_qemu;
using shimproc::ChildProcess;

std::string link_target(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The value of a "Name:\tvalue" line of /proc/<pid>/status.
std::string status_field(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0)
      return line.substr(line.find_first_not_of(" \t:", name.size()));
  }
  return "";
}

bool exits(const ChildProcess& p) {
  return wait_readable(p.pidfd(), std::chrono::milliseconds(kExitDeadline));
}

class QemuProcessTest : public ::testing::Test {
 protected:
  QemuLaunch sh(const std::string& script) {
    QemuLaunch l;
    l.binary = "/bin/sh";
    l.args = {"-c", script};
    return l;
  }
  TempTree tree_;
};

TEST_F(QemuProcessTest, ChildGetsStdioTheGivenFdsAndNothingElse) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd given_read(p[0]), given_write(p[1]);
  UniqueFd stray(::open("/dev/null", O_RDONLY));  // not close-on-exec: must not leak anyway
  // The shim ignores SIGPIPE and may block signals: the child must not inherit either.
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);

  QemuLaunch l;
  l.binary = "/bin/sleep";
  l.args = {"60"};
  l.cwd = tree_.path();
  l.fds = {given_write.get()};
  ChildProcess child;
  Status s = spawn_qemu(l, &child);
  ::signal(SIGPIPE, old_pipe);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // spawn returns after the exec: the fd table is final.
  const std::string proc = "/proc/" + std::to_string(child.pid());
  EXPECT_EQ(testsupport::fd_numbers(child.pid()), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(link_target(proc + "/fd/0"), "/dev/null");
  EXPECT_EQ(link_target(proc + "/fd/3"),
            link_target("/proc/self/fd/" + std::to_string(given_write.get())));
  EXPECT_EQ(link_target(proc + "/cwd"), tree_.path());
  EXPECT_EQ(status_field(child.pid(), "SigIgn"), "0000000000000000");
  EXPECT_EQ(status_field(child.pid(), "SigBlk"), "0000000000000000");
  const pid_t pid = child.pid();
  child = ChildProcess();
  EXPECT_EQ(::kill(pid, 0), -1) << "destruction kills and reaps";
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(QemuProcessTest, OutputFdBecomesStdoutAndStderr) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd out_read(p[0]), out_write(p[1]);
  QemuLaunch l = sh("echo out; echo err >&2");
  l.output_fd = out_write.get();
  ChildProcess child;
  ASSERT_TRUE(spawn_qemu(l, &child).ok());
  out_write.reset();
  EXPECT_EQ(read_all(out_read.get()), "out\nerr\n");
}

TEST_F(QemuProcessTest, ExitCodeIsReported) {
  ChildProcess child;
  ASSERT_TRUE(spawn_qemu(sh("exit 3"), &child).ok());
  ASSERT_TRUE(exits(child));
  ASSERT_TRUE(child.try_reap());
  EXPECT_EQ(child.exit().code, 3);
  EXPECT_EQ(child.exit().signal, 0);
  EXPECT_EQ(child.exit().describe(), "exited with code 3");
}

TEST_F(QemuProcessTest, SignalEndsTheChildAndIsReported) {
  ChildProcess child;
  ASSERT_TRUE(spawn_qemu(sh("exec sleep 60"), &child).ok());
  EXPECT_FALSE(child.try_reap());
  ASSERT_TRUE(child.signal(SIGKILL).ok());
  ASSERT_TRUE(exits(child));
  ASSERT_TRUE(child.try_reap());
  EXPECT_EQ(child.exit().code, -1);
  EXPECT_EQ(child.exit().signal, SIGKILL);
  EXPECT_EQ(child.exit().describe(), "killed by signal 9 (Killed)");
  EXPECT_EQ(child.signal(SIGKILL).code(), Code::failed_precondition)
      << "after the reap: refused, never a stray kill";
}

TEST_F(QemuProcessTest, MissingBinaryIsNotFoundAndLeavesNoChild) {
  QemuLaunch l;
  l.binary = tree_.path() + "/no-such-qemu";
  ChildProcess child;
  Status s = spawn_qemu(l, &child);
  EXPECT_EQ(s, Status::NotFound("spawn " + l.binary + ": No such file or directory"));
  EXPECT_FALSE(child.valid());
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "the failed child was reaped";
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(QemuProcessTest, BadWorkingDirectoryIsReported) {
  QemuLaunch l = sh("true");
  l.cwd = tree_.path() + "/missing";
  ChildProcess child;
  EXPECT_EQ(spawn_qemu(l, &child),
            Status::NotFound("chdir " + l.cwd + ": No such file or directory"));
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

TEST_F(QemuProcessTest, NonExecutableBinaryIsPermissionDenied) {
  const std::string path = tree_.path() + "/not-executable";
  std::ofstream(path) << "#!/bin/sh\n";
  QemuLaunch l;
  l.binary = path;
  ChildProcess child;
  EXPECT_EQ(spawn_qemu(l, &child),
            Status::PermissionDenied("spawn " + path + ": Permission denied"));
}

}  // namespace
}  // namespace ember::shimtest
