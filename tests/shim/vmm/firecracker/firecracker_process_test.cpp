// FirecrackerProcess: what the VMM child gets (fds, signals) and how it is
// owned (kill, reap, death with its spawning thread).
#include "shim/vmm/firecracker/firecracker_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "base/files.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::shim::fc {
namespace {

// Runs a shell command as the VMM and waits for its exit.
Status run(const std::string& command, FirecrackerProcess* proc) {
  FirecrackerCommand cmd{"/bin/sh", {"-c", command}, ""};
  Status s = FirecrackerProcess::spawn(cmd, proc);
  if (!s.ok()) return s;
  if (!fctest::wait_gone(proc->pid())) return Status::DeadlineExceeded("child still running");
  return proc->try_reap() ? Status::Ok() : Status::Internal("not reaped");
}

TEST(FirecrackerProcessTest, TheChildGetsOnlyStdinStdoutAndStderr) {
  fctest::FcTree tree;
  // A descriptor we leak on purpose: not close-on-exec.
  UniqueFd leak(::open("/dev/null", O_RDONLY));
  ASSERT_TRUE(leak.valid());
  const std::string out = tree.path() + "/fds";
  FirecrackerProcess proc;
  // ls opens the directory it lists as fd 3.
  ASSERT_TRUE(run("exec ls /proc/self/fd > " + out, &proc).ok());
  EXPECT_EQ(read_file(out), "0\n1\n2\n3\n");
}

TEST(FirecrackerProcessTest, StdinIsDevNullAndTheWorkingDirectoryIsSet) {
  fctest::FcTree tree;
  const std::string out = tree.path() + "/where";
  FirecrackerProcess proc;
  FirecrackerCommand cmd{
      "/bin/sh", {"-c", "readlink /proc/self/fd/0 > " + out + "; pwd >> " + out}, tree.vm_dir()};
  ASSERT_TRUE(FirecrackerProcess::spawn(cmd, &proc).ok());
  ASSERT_TRUE(fctest::wait_gone(proc.pid()));
  EXPECT_EQ(read_file(out), "/dev/null\n" + tree.vm_dir() + "\n");
}

TEST(FirecrackerProcessTest, TheChildStartsWithDefaultSignalsAndAnEmptyMask) {
  fctest::FcTree tree;
  const std::string out = tree.path() + "/signals";
  // As in the shim: SIGPIPE ignored, and some signal blocked.
  struct sigaction ign {
  }, old_pipe{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old_pipe);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
  FirecrackerProcess proc;
  const Status s = run("exec grep -E '^Sig(Blk|Ign)' /proc/self/status > " + out, &proc);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(read_file(out), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(FirecrackerProcessTest, AMissingProgramIsNotFound) {
  FirecrackerProcess proc;
  const Status s = FirecrackerProcess::spawn({"/nonexistent/firecracker", {}, ""}, &proc);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "exec /nonexistent/firecracker: No such file or directory");
  EXPECT_FALSE(proc.valid());
}

TEST(FirecrackerProcessTest, ANonExecutableProgramIsPermissionDenied) {
  fctest::FcTree tree;
  FirecrackerProcess proc;
  EXPECT_EQ(FirecrackerProcess::spawn({tree.kernel(), {}, ""}, &proc).code(),
            Code::permission_denied);
}

TEST(FirecrackerProcessTest, KillEndsTheProcessAndTheExitIsDescribed) {
  FirecrackerProcess proc;
  ASSERT_TRUE(FirecrackerProcess::spawn({"/bin/sleep", {"600"}, ""}, &proc).ok());
  EXPECT_FALSE(proc.try_reap());
  proc.kill();
  ASSERT_TRUE(fctest::wait_gone(proc.pid()));
  ASSERT_TRUE(proc.try_reap());
  EXPECT_EQ(proc.describe_exit(), "killed by signal 9");
  EXPECT_FALSE(proc.exited_cleanly());
}

TEST(FirecrackerProcessTest, AnExitCodeIsDescribed) {
  FirecrackerProcess proc;
  ASSERT_TRUE(run("exit 3", &proc).ok());
  EXPECT_EQ(proc.describe_exit(), "exit code 3");
  FirecrackerProcess clean;
  ASSERT_TRUE(run("exit 0", &clean).ok());
  EXPECT_TRUE(clean.exited_cleanly());
}

TEST(FirecrackerProcessTest, DestructionKillsARunningChild) {
  pid_t pid = -1;
  {
    FirecrackerProcess proc;
    ASSERT_TRUE(FirecrackerProcess::spawn({"/bin/sleep", {"600"}, ""}, &proc).ok());
    pid = proc.pid();
  }
  EXPECT_TRUE(fctest::wait_gone(pid, std::chrono::milliseconds(0)));
}

TEST(FirecrackerProcessTest, TheChildDiesWithTheThreadThatSpawnedIt) {
  FirecrackerProcess proc;
  Status s;
  std::thread([&] { s = FirecrackerProcess::spawn({"/bin/sleep", {"600"}, ""}, &proc); }).join();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(fctest::wait_gone(proc.pid()));
  ASSERT_TRUE(proc.try_reap());
  EXPECT_EQ(proc.describe_exit(), "killed by signal 9");
}

}  // namespace
}  // namespace ember::shim::fc
