#include "shimproc/shim_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/files.hpp"
#include "tests/support/fd_census.hpp"

namespace ember::shimproc {
namespace {

constexpr int kDeadlineMs = 60000;  // generous: the machine may be loaded

UniqueFd open_pidfd(pid_t pid) {
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

// True once the process behind pidfd has exited (waits up to the deadline).
bool exited(int pidfd, int timeout_ms = kDeadlineMs) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Everything until EOF (all writers closed).
std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kDeadlineMs) != 1) return out + "<timeout>";
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// One line, without the newline.
std::string read_line(int fd) {
  std::string out;
  char c;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kDeadlineMs) != 1) return out + "<timeout>";
    if (::read(fd, &c, 1) != 1 || c == '\n') return out;
    out += c;
  }
}

ino_t inode_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st.st_ino;
}

using testsupport::fd_count;

class ShimProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-shimproc-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    char real[PATH_MAX];
    ASSERT_NE(::realpath(tmpl, real), nullptr);
    dir_ = real;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // /bin/sh -c script under the launch contract, cwd = the test's directory.
  ShimLaunch sh(const std::string& script) {
    ShimLaunch l;
    l.binary = "/bin/sh";
    l.args = {"-c", script};
    l.vm_id = "vm1";
    l.containerd_address = "/run/containerd/containerd.sock";
    l.cwd = dir_;
    l.shim_socket.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    l.fccontrol_socket.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return l;
  }
  ShimProcess spawn(const std::string& script) {
    ShimProcess p;
    Status s = ShimProcess::spawn(sh(script), &p);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return p;
  }

  std::string dir_;
};

TEST_F(ShimProcessTest, ChildGetsExactlyFdsZeroToFour) {
  UniqueFd stray(::open("/dev/null", O_RDONLY));  // no O_CLOEXEC: must still stay out
  ShimLaunch l =
      sh("ls /proc/$$/fd; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 "
         "/proc/$$/fd/3 /proc/$$/fd/4; :");
  std::string sock3 = "socket:[" + std::to_string(inode_of(l.shim_socket.get())) + "]";
  std::string sock4 = "socket:[" + std::to_string(inode_of(l.fccontrol_socket.get())) + "]";
  ShimProcess p;
  ASSERT_TRUE(ShimProcess::spawn(std::move(l), &p).ok());
  UniqueFd out = p.take_output();
  std::string pipe = "pipe:[" + std::to_string(inode_of(out.get())) + "]";
  EXPECT_EQ(read_all(out.get()),
            "0\n1\n2\n3\n4\n/dev/null\n" + pipe + "\n" + pipe + "\n" + sock3 + "\n" + sock4 + "\n");
  EXPECT_FALSE(p.take_output());  // handed out once
}

// The shim socket on fd 4 and the fccontrol socket on fd 3: each one's source
// is the other's target, and both must still land right. Run in a child
// process, which may close whatever its test runner left on fds 3 and 4.
TEST_F(ShimProcessTest, SocketsSittingOnEachOthersTargetFdsLandRight) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(kShimSocketFd);
    ::close(kFccontrolSocketFd);
    ShimLaunch l = sh("readlink /proc/$$/fd/3 /proc/$$/fd/4");
    std::string sock3 = "socket:[" + std::to_string(inode_of(l.shim_socket.get())) + "]";
    std::string sock4 = "socket:[" + std::to_string(inode_of(l.fccontrol_socket.get())) + "]";
    UniqueFd shim(::fcntl(l.shim_socket.get(), F_DUPFD_CLOEXEC, 100));
    UniqueFd fccontrol(::fcntl(l.fccontrol_socket.get(), F_DUPFD_CLOEXEC, 100));
    l.shim_socket.reset();
    l.fccontrol_socket.reset();
    l.shim_socket.reset(::dup3(shim.get(), kFccontrolSocketFd, O_CLOEXEC));
    l.fccontrol_socket.reset(::dup3(fccontrol.get(), kShimSocketFd, O_CLOEXEC));
    ShimProcess p;
    bool ok = l.shim_socket.get() == kFccontrolSocketFd &&
              l.fccontrol_socket.get() == kShimSocketFd &&
              ShimProcess::spawn(std::move(l), &p).ok();
    std::string got = ok ? read_all(p.take_output().get()) : "";
    if (got != sock3 + "\n" + sock4 + "\n") std::fprintf(stderr, "child saw: %s\n", got.c_str());
    p = ShimProcess();  // reaps it: an orphan would stay a zombie under some inits
    ::_exit(got == sock3 + "\n" + sock4 + "\n" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(ShimProcessTest, EnvironmentFollowsTheLaunchContract) {
  ::setenv("EMBER_TEST_INHERITED", "yes", 1);
  ::setenv("FIRECRACKER_VM_ID", "stale", 1);
  ShimLaunch l =
      sh("echo \"$FIRECRACKER_VM_ID|$FCCONTROL_SOCKET_FD|$TTRPC_ADDRESS|$EMBER_CONFIG|"
         "$EMBER_TEST_INHERITED\"; env | grep -c '^FIRECRACKER_VM_ID='");
  l.env = {"EMBER_CONFIG=/etc/ember/ember.yaml"};
  ShimProcess p;
  Status s = ShimProcess::spawn(std::move(l), &p);
  ::unsetenv("EMBER_TEST_INHERITED");
  ::unsetenv("FIRECRACKER_VM_ID");
  ASSERT_TRUE(s.ok()) << s.ToString();
  UniqueFd out = p.take_output();
  EXPECT_EQ(read_all(out.get()),
            "vm1|4|/run/containerd/containerd.sock.ttrpc|/etc/ember/ember.yaml|yes\n1\n");
}

TEST_F(ShimProcessTest, WorkingDirectoryIsTheLaunchCwd) {
  ShimProcess p = spawn("readlink /proc/$$/cwd");
  UniqueFd out = p.take_output();
  EXPECT_EQ(read_all(out.get()), dir_ + "\n");
}

TEST_F(ShimProcessTest, OutputPipeCarriesStdoutAndStderrInOrder) {
  ShimProcess p = spawn("echo out; echo err >&2; echo out2");
  UniqueFd out = p.take_output();
  EXPECT_EQ(read_all(out.get()), "out\nerr\nout2\n");
}

TEST_F(ShimProcessTest, ShimLeadsItsOwnProcessGroup) {
  ShimProcess p = spawn("exec sleep 1000");
  EXPECT_EQ(::getpgid(p.pid()), p.pid());
  EXPECT_NE(::getpgid(p.pid()), ::getpgrp());
}

TEST_F(ShimProcessTest, OomScoreAdjIsOursPlusOne) {
  int ours = std::atoi(read_file("/proc/self/oom_score_adj").value_or("").c_str());
  ShimProcess p = spawn("exec sleep 1000");
  EXPECT_EQ(read_file("/proc/" + std::to_string(p.pid()) + "/oom_score_adj"),
            std::to_string(std::min(ours + 1, 1000)) + "\n");
}

TEST_F(ShimProcessTest, OomScoreAdjStopsAtTheMaximum) {
  // In a child process, so this test process keeps its own score.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::ofstream("/proc/self/oom_score_adj") << "1000";
    ShimProcess p;
    bool ok = read_file("/proc/self/oom_score_adj") == "1000\n" &&
              ShimProcess::spawn(sh("exec sleep 1000"), &p).ok() &&
              read_file("/proc/" + std::to_string(p.pid()) + "/oom_score_adj") == "1000\n";
    p = ShimProcess();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(ShimProcessTest, TryReapGivesTheExitCodeOnceExited) {
  ShimProcess p = spawn("exit 7");
  ASSERT_TRUE(exited(p.pidfd()));
  int code = 0;
  int sig = -1;
  ASSERT_TRUE(p.try_reap(&code, &sig));
  EXPECT_EQ(code, 7);
  EXPECT_EQ(sig, 0);
  EXPECT_TRUE(p.reaped());
  code = 0;
  EXPECT_TRUE(p.try_reap(&code));  // the same answer again
  EXPECT_EQ(code, 7);
}

TEST_F(ShimProcessTest, TryReapGivesTheSignalThatKilledIt) {
  ShimProcess p = spawn("kill -KILL $$");
  ASSERT_TRUE(exited(p.pidfd()));
  int code = 0;
  int sig = 0;
  ASSERT_TRUE(p.try_reap(&code, &sig));
  EXPECT_EQ(code, -1);
  EXPECT_EQ(sig, SIGKILL);
}

TEST_F(ShimProcessTest, TryReapIsFalseWhileRunning) {
  ShimProcess p = spawn("exec sleep 1000");
  EXPECT_FALSE(p.try_reap());
  EXPECT_FALSE(p.reaped());
}

TEST_F(ShimProcessTest, DestructorKillsAChildIgnoringSigtermAndItsGrandchild) {
  UniqueFd child_fd;
  UniqueFd grandchild_fd;
  {
    ShimProcess p = spawn("trap '' TERM; sleep 1000 & echo $!; wait");
    UniqueFd out = p.take_output();
    pid_t grandchild = std::atoi(read_line(out.get()).c_str());
    ASSERT_GT(grandchild, 0);
    EXPECT_EQ(::getpgid(grandchild), p.pid());
    child_fd = open_pidfd(p.pid());
    grandchild_fd = open_pidfd(grandchild);
    ASSERT_TRUE(child_fd && grandchild_fd);
  }
  EXPECT_TRUE(exited(child_fd.get(), 0));  // the destructor waited for it
  EXPECT_TRUE(exited(grandchild_fd.get()));
}

TEST_F(ShimProcessTest, KillGroupSignalsEveryProcessInTheGroup) {
  ShimProcess p = spawn("sleep 1000 & echo $!; wait");
  UniqueFd out = p.take_output();
  pid_t grandchild = std::atoi(read_line(out.get()).c_str());
  UniqueFd grandchild_fd = open_pidfd(grandchild);
  ASSERT_TRUE(grandchild_fd);
  ASSERT_TRUE(p.kill_group(SIGTERM).ok());
  EXPECT_TRUE(exited(grandchild_fd.get()));
  ASSERT_TRUE(exited(p.pidfd()));
  int sig = 0;
  ASSERT_TRUE(p.try_reap(nullptr, &sig));
  EXPECT_EQ(sig, SIGTERM);
  Status s = p.kill_group(SIGTERM);  // reaped: the pid may belong to someone else now
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "signal shim pid " + std::to_string(p.pid()) + ": it has exited already");
}

TEST_F(ShimProcessTest, KillGroupOfNoProcessIsFailedPrecondition) {
  ShimProcess p;
  EXPECT_EQ(p.kill_group(SIGTERM).code(), Code::failed_precondition);
  EXPECT_FALSE(p.try_reap());
}

TEST_F(ShimProcessTest, MoveTransfersTheProcessAndMoveAssignKillsTheOldOne) {
  ShimProcess a = spawn("exec sleep 1000");
  pid_t pid_a = a.pid();
  ShimProcess b(std::move(a));
  EXPECT_EQ(a.pid(), -1);
  EXPECT_EQ(a.pidfd(), -1);
  EXPECT_EQ(b.pid(), pid_a);
  ShimProcess c = spawn("exec sleep 1000");
  UniqueFd c_fd = open_pidfd(c.pid());
  c = std::move(b);
  EXPECT_TRUE(exited(c_fd.get(), 0));
  EXPECT_EQ(c.pid(), pid_a);
  EXPECT_FALSE(c.try_reap());
}

TEST_F(ShimProcessTest, SpawnOfAMissingBinaryIsNotFoundAndLeavesNoFd) {
  size_t before = fd_count(::getpid());
  ShimLaunch l = sh("");
  l.binary = dir_ + "/missing/ember-shim";
  ShimProcess p;
  Status s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "spawn " + dir_ + "/missing/ember-shim: No such file or directory");
  EXPECT_EQ(p.pid(), -1);
  EXPECT_EQ(fd_count(::getpid()), before);
}

TEST_F(ShimProcessTest, SpawnOfANonExecutableFileIsPermissionDenied) {
  std::string path = dir_ + "/not-executable";
  std::ofstream(path) << "#!/bin/sh\n";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  size_t before = fd_count(::getpid());
  ShimLaunch l = sh("");
  l.binary = path;
  ShimProcess p;
  Status s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::permission_denied);
  EXPECT_EQ(s.message(), "spawn " + path + ": Permission denied");
  EXPECT_EQ(fd_count(::getpid()), before);
}

TEST_F(ShimProcessTest, SpawnInAMissingWorkingDirectoryIsNotFound) {
  size_t before = fd_count(::getpid());
  ShimLaunch l = sh("");
  l.cwd = dir_ + "/gone";
  ShimProcess p;
  Status s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "shim working directory " + dir_ + "/gone: No such file or directory");
  EXPECT_EQ(fd_count(::getpid()), before);
}

TEST_F(ShimProcessTest, SpawnWithAFileAsWorkingDirectoryIsFailedPrecondition) {
  std::ofstream(dir_ + "/file") << "x";
  ShimLaunch l = sh("");
  l.cwd = dir_ + "/file";
  ShimProcess p;
  Status s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "shim working directory " + dir_ + "/file is not a directory");
}

TEST_F(ShimProcessTest, SpawnRejectsARelativeBinaryMissingSocketsAndBadEnvironment) {
  size_t before = fd_count(::getpid());
  ShimProcess p;
  ShimLaunch l = sh("");
  l.binary = "sh";
  Status s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "shim binary \"sh\" must be an absolute path");

  l = sh("");
  l.fccontrol_socket.reset();
  s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "shim launch for VM vm1 needs both listening sockets");

  l = sh("");
  l.env = {"TTRPC_ADDRESS=/elsewhere"};
  s = ShimProcess::spawn(std::move(l), &p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(),
            "shim environment entry \"TTRPC_ADDRESS=/elsewhere\": TTRPC_ADDRESS is set by the "
            "launch contract");
  EXPECT_EQ(fd_count(::getpid()), before);
}

// A process that is not our child: sh starts sleep in the background and exits.
class AdoptTest : public ShimProcessTest {
 protected:
  void SetUp() override {
    ShimProcessTest::SetUp();
    ShimProcess parent = spawn("sleep 1000 & echo $!");
    UniqueFd out = parent.take_output();
    orphan_ = std::atoi(read_line(out.get()).c_str());
    ASSERT_GT(orphan_, 0);
    ASSERT_TRUE(exited(parent.pidfd()));
    ASSERT_TRUE(parent.try_reap());
    orphan_fd_ = open_pidfd(orphan_);
    ASSERT_TRUE(orphan_fd_);
    start_ = process_start_time(orphan_);
    ASSERT_GT(start_, 0u);
  }
  void TearDown() override {
    if (orphan_fd_ && !exited(orphan_fd_.get(), 0)) {
      ::syscall(SYS_pidfd_send_signal, orphan_fd_.get(), SIGKILL, nullptr, 0);
    }
    ShimProcessTest::TearDown();
  }

  pid_t orphan_ = -1;
  UniqueFd orphan_fd_;
  unsigned long long start_ = 0;
};

TEST_F(AdoptTest, AdoptsAProcessWithTheRecordedStartTime) {
  ShimProcess p;
  ASSERT_TRUE(ShimProcess::adopt(orphan_, start_, &p).ok());
  EXPECT_EQ(p.pid(), orphan_);
  EXPECT_FALSE(p.try_reap());
  EXPECT_FALSE(p.take_output());
}

TEST_F(AdoptTest, AdoptedProcessIsReapedOnceGoneWithUnknownStatus) {
  ShimProcess p;
  ASSERT_TRUE(ShimProcess::adopt(orphan_, start_, &p).ok());
  ASSERT_TRUE(p.kill_group(SIGKILL).ok());  // its group leader is gone: the pidfd reaches it
  ASSERT_TRUE(exited(p.pidfd()));
  int code = 0;
  int sig = -1;
  ASSERT_TRUE(p.try_reap(&code, &sig));
  EXPECT_EQ(code, -1);
  EXPECT_EQ(sig, 0);
}

TEST_F(AdoptTest, DestructorKillsAnAdoptedProcessAndWaitsForIt) {
  {
    ShimProcess p;
    ASSERT_TRUE(ShimProcess::adopt(orphan_, start_, &p).ok());
  }
  EXPECT_TRUE(exited(orphan_fd_.get(), 0));
}

TEST_F(AdoptTest, WrongStartTimeIsNotFoundPidReused) {
  ShimProcess p;
  Status s = ShimProcess::adopt(orphan_, start_ + 1, &p);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "adopt shim pid " + std::to_string(orphan_) + ": pid reused (start time " +
                             std::to_string(start_) + ", expected " + std::to_string(start_ + 1) +
                             ")");
  EXPECT_EQ(p.pid(), -1);
  EXPECT_FALSE(exited(orphan_fd_.get(), 0));  // left alone
}

TEST_F(ShimProcessTest, AdoptOfAGoneProcessIsNotFound) {
  ShimProcess gone = spawn("exit 0");
  pid_t pid = gone.pid();
  ASSERT_TRUE(exited(gone.pidfd()));
  ASSERT_TRUE(gone.try_reap());
  ShimProcess p;
  Status s = ShimProcess::adopt(pid, 1, &p);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message().rfind("adopt shim pid " + std::to_string(pid) + ": ", 0), 0u)
      << s.message();
}

TEST_F(ShimProcessTest, AdoptOfAnExitedUnreapedChildIsNotFound) {
  ShimProcess child = spawn("exit 0");
  ASSERT_TRUE(exited(child.pidfd()));  // a zombie until reaped
  ShimProcess p;
  Status s = ShimProcess::adopt(child.pid(), process_start_time(child.pid()), &p);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "adopt shim pid " + std::to_string(child.pid()) + ": process has exited");
}

TEST_F(ShimProcessTest, AdoptRejectsANonPositivePid) {
  ShimProcess p;
  Status s = ShimProcess::adopt(0, 1, &p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "adopt shim pid 0: not a process id");
}

TEST(ProcessStartTimeTest, IsStableForALiveProcessAndZeroWithoutOne) {
  unsigned long long t = process_start_time(::getpid());
  EXPECT_GT(t, 0u);
  EXPECT_EQ(process_start_time(::getpid()), t);
  EXPECT_EQ(process_start_time(0), 0u);
  EXPECT_EQ(process_start_time(-5), 0u);
}

TEST(ProcessStartTimeTest, SurvivesSpacesAndParenthesesInTheCommandName) {
  unsigned long long before = process_start_time(::getpid());
  char old_name[17] = {};
  ASSERT_EQ(::prctl(PR_GET_NAME, old_name), 0);
  ASSERT_EQ(::prctl(PR_SET_NAME, "a) b (c) 1 2 3"), 0);
  unsigned long long renamed = process_start_time(::getpid());
  ::prctl(PR_SET_NAME, old_name);
  EXPECT_EQ(renamed, before);
}

}  // namespace
}  // namespace ember::shimproc
