// spawn_firecracker: what the VMM child gets (fds, signals) and how it is
// owned (kill, reap, death with its spawning thread).
#include "shim/vmm/firecracker/firecracker_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "base/files.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::shim::firecracker {
namespace {

using shimproc::ChildProcess;

// Runs a shell command as the VMM and waits for its exit.
Status run(const std::string& command, ChildProcess* proc) {
  FirecrackerCommand cmd{"/bin/sh", {"-c", command}, ""};
  Status s = spawn_firecracker(cmd, proc);
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
  ChildProcess proc;
  // ls opens the directory it lists as fd 3.
  ASSERT_TRUE(run("exec ls /proc/self/fd > " + out, &proc).ok());
  EXPECT_EQ(read_file(out), "0\n1\n2\n3\n");
}

TEST(FirecrackerProcessTest, StdinIsDevNullAndTheWorkingDirectoryIsSet) {
  fctest::FcTree tree;
  const std::string out = tree.path() + "/where";
  ChildProcess proc;
  FirecrackerCommand cmd{
      "/bin/sh", {"-c", "readlink /proc/self/fd/0 > " + out + "; pwd >> " + out}, tree.vm_dir()};
  ASSERT_TRUE(spawn_firecracker(cmd, &proc).ok());
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
  ChildProcess proc;
  const Status s = run("exec grep -E '^Sig(Blk|Ign)' /proc/self/status > " + out, &proc);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(read_file(out), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(FirecrackerProcessTest, AMissingProgramIsNotFound) {
  ChildProcess proc;
  const Status s = spawn_firecracker({"/nonexistent/firecracker", {}, ""}, &proc);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "spawn /nonexistent/firecracker: No such file or directory");
  EXPECT_FALSE(proc.valid());
}

TEST(FirecrackerProcessTest, ANonExecutableProgramIsPermissionDenied) {
  fctest::FcTree tree;
  ChildProcess proc;
  EXPECT_EQ(spawn_firecracker({tree.kernel(), {}, ""}, &proc).code(), Code::permission_denied);
}

TEST(FirecrackerProcessTest, KillEndsTheProcessAndTheExitIsDescribed) {
  ChildProcess proc;
  ASSERT_TRUE(spawn_firecracker({"/bin/sleep", {"600"}, ""}, &proc).ok());
  EXPECT_FALSE(proc.try_reap());
  ASSERT_TRUE(proc.signal(SIGKILL).ok());
  ASSERT_TRUE(fctest::wait_gone(proc.pid()));
  ASSERT_TRUE(proc.try_reap());
  EXPECT_EQ(proc.exit().describe(), "killed by signal 9 (Killed)");
  EXPECT_FALSE(proc.exit().clean());
}

TEST(FirecrackerProcessTest, AnExitCodeIsDescribed) {
  ChildProcess proc;
  ASSERT_TRUE(run("exit 3", &proc).ok());
  EXPECT_EQ(proc.exit().describe(), "exited with code 3");
  ChildProcess clean;
  ASSERT_TRUE(run("exit 0", &clean).ok());
  EXPECT_TRUE(clean.exit().clean());
}

TEST(FirecrackerProcessTest, DestructionKillsARunningChild) {
  pid_t pid = -1;
  {
    ChildProcess proc;
    ASSERT_TRUE(spawn_firecracker({"/bin/sleep", {"600"}, ""}, &proc).ok());
    pid = proc.pid();
  }
  EXPECT_TRUE(fctest::wait_gone(pid, std::chrono::milliseconds(0)));
}

TEST(FirecrackerProcessTest, TheChildDiesWithTheThreadThatSpawnedIt) {
  ChildProcess proc;
  Status s;
  std::thread([&] { s = spawn_firecracker({"/bin/sleep", {"600"}, ""}, &proc); }).join();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(fctest::wait_gone(proc.pid()));
  ASSERT_TRUE(proc.try_reap());
  EXPECT_EQ(proc.exit().describe(), "killed by signal 9 (Killed)");
}

}  // namespace
}  // namespace ember::shim::firecracker
