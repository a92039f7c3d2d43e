// ChildProcess with real children (sleep, sh): what the child gets (fds, cwd,
// process group, signal state, parent-death signal), how its end is
// described, and that nothing (process or fd) outlives its owner. Most
// tests run both ways of starting: posix_spawn and the vfork path taken for
// a parent-death signal.
#include "shimproc/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

namespace ember::shimproc {
namespace {

constexpr int kDeadlineMs = 60000;  // generous: the machine may be loaded

// True once the process behind pidfd has exited (waits up to timeout_ms).
bool exits(int pidfd, int timeout_ms = kDeadlineMs) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// True when pid names no process (or only one that has exited).
bool gone(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return !fd || exits(fd.get(), 0);
}

std::set<std::string> fds_of(pid_t pid) {
  std::set<std::string> out;
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') out.insert(e->d_name);
  }
  ::closedir(d);
  return out;
}

std::string link_of(pid_t pid, const std::string& name) {
  char buf[PATH_MAX];
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The child's fds less the ones the new program holds for a moment while it
// starts (posix_spawn and vfork return once the exec is done, not once ld.so
// and the program's own start-up are): a system file, or one already closed.
std::set<std::string> inherited_fds_of(pid_t pid) {
  std::set<std::string> out;
  for (const std::string& fd : fds_of(pid)) {
    const std::string target = link_of(pid, "fd/" + fd);
    // What the program opens itself (ld.so's libraries, its locale) is a
    // system file; what it could inherit from us is a pipe or /dev/null.
    const bool own = target.empty() || target.rfind("/usr/", 0) == 0 ||
                     target.rfind("/lib", 0) == 0 || target.rfind("/etc/", 0) == 0;
    if (fd == "0" || fd == "1" || fd == "2" || !own) out.insert(fd);
  }
  return out;
}

// The value of a "Name:\tvalue" line of /proc/<pid>/status.
std::string status_field(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":\t", 0) == 0) return line.substr(name.size() + 2);
  }
  return "";
}

// Everything until EOF.
std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    if (!exits(fd)) return out + "<timeout>";  // readable (data or EOF)
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// One line, without the newline (a background child may hold the pipe open).
std::string read_line(int fd) {
  std::string out;
  char c;
  while (exits(fd) && ::read(fd, &c, 1) == 1 && c != '\n')
    out += c;
  return out;
}

struct Pipe {
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    read.reset(p[0]);
    write.reset(p[1]);
  }
  UniqueFd read;
  UniqueFd write;
};

// param: use the parent-death signal (the vfork path) or not (posix_spawn).
class ChildProcessTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-child-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    char real[PATH_MAX];
    ASSERT_NE(::realpath(tmpl, real), nullptr);
    dir_ = real;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ChildSpec spec(const std::string& binary, std::vector<std::string> args) const {
    ChildSpec s;
    s.name = "test";
    s.binary = binary;
    s.args = std::move(args);
    if (GetParam()) s.parent_death_signal = SIGKILL;
    return s;
  }
  ChildSpec sh(const std::string& script) const { return spec("/bin/sh", {"-c", script}); }
  ChildProcess start(const ChildSpec& s) {
    ChildProcess p;
    Status st = ChildProcess::spawn(s, &p);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return p;
  }

  std::string dir_;
};

INSTANTIATE_TEST_SUITE_P(BothWays, ChildProcessTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "VforkWithDeathSignal" : "PosixSpawn";
                         });

TEST_P(ChildProcessTest, ChildGetsTheMappedFdsDevNullForStdioAndNothingElse) {
  Pipe given;
  UniqueFd stray(::open("/dev/null", O_RDONLY));  // not O_CLOEXEC: must stay out anyway
  ChildSpec s = spec("/bin/sleep", {"600"});
  // Our fd 5 target next to a low source: the map must not overwrite it.
  s.fds = {{1, given.write.get()}, {5, given.write.get()}, {7, given.read.get()}};
  ChildProcess p = start(s);
  EXPECT_EQ(inherited_fds_of(p.pid()), (std::set<std::string>{"0", "1", "2", "5", "7"}));
  EXPECT_EQ(link_of(p.pid(), "fd/0"), "/dev/null");
  EXPECT_EQ(link_of(p.pid(), "fd/2"), "/dev/null");
  const std::string write_end = link_of(::getpid(), "fd/" + std::to_string(given.write.get()));
  EXPECT_EQ(link_of(p.pid(), "fd/1"), write_end);
  EXPECT_EQ(link_of(p.pid(), "fd/5"), write_end);
  EXPECT_EQ(link_of(p.pid(), "fd/7"),
            link_of(::getpid(), "fd/" + std::to_string(given.read.get())));
}

TEST_P(ChildProcessTest, OutputReachesTheMappedFdAndCwdIsSet) {
  Pipe out;
  ChildSpec s = sh("pwd; echo err >&2");
  s.cwd = dir_;
  s.fds = {{1, out.write.get()}, {2, out.write.get()}};
  ChildProcess p = start(s);
  out.write.reset();
  EXPECT_EQ(read_all(out.read.get()), dir_ + "\nerr\n");
}

TEST_P(ChildProcessTest, EnvironmentIsOursOrExactlyTheGivenOne) {
  ::setenv("EMBER_CHILD_TEST", "inherited", 1);
  Pipe out;
  ChildSpec s = sh("echo \"$EMBER_CHILD_TEST|$ONLY\"");
  s.fds = {{1, out.write.get()}};
  ChildProcess ours = start(s);
  s.env = std::vector<std::string>{"ONLY=given"};
  ChildProcess given = start(s);
  ::unsetenv("EMBER_CHILD_TEST");
  out.write.reset();
  std::string both = read_all(out.read.get());
  EXPECT_TRUE(both == "inherited|\n|given\n" || both == "|given\ninherited|\n") << both;
}

TEST_P(ChildProcessTest, ProcessGroupIsItsOwnOnlyWhenAsked) {
  ChildSpec s = spec("/bin/sleep", {"600"});
  ChildProcess in_ours = start(s);
  s.own_process_group = true;
  ChildProcess leader = start(s);
  EXPECT_EQ(::getpgid(in_ours.pid()), ::getpgrp());
  EXPECT_EQ(::getpgid(leader.pid()), leader.pid());
}

TEST_P(ChildProcessTest, SignalMaskAndDispositionsAreReset) {
  // As in the shim: SIGPIPE ignored and a signal blocked in the spawning thread.
  struct sigaction ign {};
  struct sigaction old_pipe {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old_pipe);
  sigset_t usr1;
  sigset_t old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
  ChildProcess p = start(spec("/bin/sleep", {"600"}));
  sigset_t after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_TRUE(sigismember(&after, SIGUSR1)) << "our own mask is left as it was";
  EXPECT_FALSE(sigismember(&after, SIGTERM));
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  EXPECT_EQ(status_field(p.pid(), "SigBlk"), "0000000000000000");
  EXPECT_EQ(status_field(p.pid(), "SigIgn"), "0000000000000000");
}

TEST_P(ChildProcessTest, ExitsAreDescribedOneWay) {
  ChildProcess p = start(sh("exit 3"));
  ASSERT_TRUE(exits(p.pidfd()));
  ASSERT_TRUE(p.try_reap());
  EXPECT_EQ(p.exit().code, 3);
  EXPECT_EQ(p.exit().signal, 0);
  EXPECT_FALSE(p.exit().clean());
  EXPECT_EQ(p.exit().describe(), "exited with code 3");

  ChildProcess k = start(spec("/bin/sleep", {"600"}));
  EXPECT_FALSE(k.try_reap());
  ASSERT_TRUE(k.signal(SIGKILL).ok());
  EXPECT_EQ(k.wait().describe(), "killed by signal 9 (Killed)");
  EXPECT_EQ(k.exit().code, -1);
  EXPECT_TRUE(k.reaped());
  EXPECT_EQ(k.signal(SIGKILL).code(), Code::failed_precondition) << "never a reused pid";

  EXPECT_TRUE(start(sh("exit 0")).wait().clean());
  EXPECT_EQ(ChildExit{}.describe(), "exited (status unknown)");
}

TEST_P(ChildProcessTest, SignalGroupReachesEveryProcessOfTheGroup) {
  Pipe out;
  ChildSpec s = sh("sleep 600 & echo $!; wait");
  s.own_process_group = true;
  s.fds = {{1, out.write.get()}};
  ChildProcess p = start(s);
  out.write.reset();
  pid_t grandchild = std::atoi(read_line(out.read.get()).c_str());
  ASSERT_GT(grandchild, 0);
  UniqueFd grandchild_fd(static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0)));
  ASSERT_TRUE(grandchild_fd);
  ASSERT_TRUE(p.signal_group(SIGTERM).ok());
  EXPECT_TRUE(exits(grandchild_fd.get()));
  EXPECT_EQ(p.wait().signal, SIGTERM);
}

TEST_P(ChildProcessTest, DestructionKillsAndReapsUnlessReleased) {
  pid_t killed = -1;
  {
    ChildProcess p = start(sh("trap '' TERM; exec sleep 600"));
    killed = p.pid();
  }
  EXPECT_TRUE(gone(killed));
  ChildProcess kept = start(spec("/bin/sleep", {"600"}));
  const pid_t pid = kept.pid();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  kept.release();
  EXPECT_EQ(kept.pid(), -1);
  EXPECT_TRUE(kept.reaped());
  kept = ChildProcess();
  EXPECT_FALSE(exits(pidfd.get(), 0)) << "a released child lives on";
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(exits(pidfd.get()));
  ::waitpid(pid, nullptr, 0);
}

TEST_P(ChildProcessTest, MoveAssignKillsTheOldChild) {
  ChildProcess a = start(spec("/bin/sleep", {"600"}));
  const pid_t old = a.pid();
  ChildProcess b = start(spec("/bin/sleep", {"600"}));
  const pid_t moved = b.pid();
  a = std::move(b);
  EXPECT_TRUE(gone(old));
  EXPECT_EQ(a.pid(), moved);
  EXPECT_EQ(b.pid(), -1);
  EXPECT_FALSE(a.try_reap());
}

TEST_P(ChildProcessTest, FailuresAreNamedAndLeaveNoChildAndNoFd) {
  const int before = static_cast<int>(fds_of(::getpid()).size());
  ChildProcess p;
  ChildSpec s = spec(dir_ + "/missing", {});
  EXPECT_EQ(ChildProcess::spawn(s, &p),
            Status::NotFound("spawn " + dir_ + "/missing: No such file or directory"));
  std::ofstream(dir_ + "/plain") << "#!/bin/sh\n";
  s.binary = dir_ + "/plain";
  EXPECT_EQ(ChildProcess::spawn(s, &p).code(), Code::permission_denied);
  s = sh("true");
  s.cwd = dir_ + "/gone";
  EXPECT_EQ(ChildProcess::spawn(s, &p),
            Status::NotFound("chdir " + dir_ + "/gone: No such file or directory"));
  s = spec("sh", {});
  EXPECT_EQ(ChildProcess::spawn(s, &p).code(), Code::invalid_argument);
  s = sh("true");
  s.fds = {{1, 1}, {1, 2}};
  EXPECT_EQ(ChildProcess::spawn(s, &p).code(), Code::invalid_argument);
  EXPECT_FALSE(p.valid());
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "no child left to reap";
  EXPECT_EQ(static_cast<int>(fds_of(::getpid()).size()), before);
}

TEST_P(ChildProcessTest, SpawnAndReapLeaveNoFdBehind) {
  const std::set<std::string> before = fds_of(::getpid());
  {
    Pipe out;
    ChildSpec s = sh("echo hi");
    s.fds = {{1, out.write.get()}};
    ChildProcess p = start(s);
    p.wait();
  }
  EXPECT_EQ(fds_of(::getpid()), before);
}

TEST(ChildProcessDeathSignalTest, TheChildDiesWithTheThreadThatSpawnedIt) {
  ChildProcess p;
  Status s;
  ChildSpec spec;
  spec.binary = "/bin/sleep";
  spec.args = {"600"};
  spec.parent_death_signal = SIGKILL;
  std::thread([&] { s = ChildProcess::spawn(spec, &p); }).join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(p.wait().signal, SIGKILL);
}

// The credentials change before the death signal is set (a change of them
// would clear it): a child running as another user still dies with the
// thread that spawned it.
TEST(ChildProcessConfinementTest, AChildRunningAsAnotherUserStillDiesWithItsThread) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing ids needs root";
  ChildProcess p;
  Status s;
  ChildSpec spec;
  spec.binary = "/bin/sleep";
  spec.args = {"600"};
  spec.parent_death_signal = SIGKILL;
  spec.uid = 65534;
  spec.gid = 65534;
  std::thread([&] { s = ChildProcess::spawn(spec, &p); }).join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(p.wait().signal, SIGKILL);
}

TEST(ChildProcessConfinementTest, ConfinementFailuresAreNamedAndLeaveNoChild) {
  ChildProcess p;
  ChildSpec spec;
  spec.name = "sleeper";
  spec.binary = "/bin/sleep";
  spec.args = {"600"};
  spec.uid = 65534;
  EXPECT_EQ(ChildProcess::spawn(spec, &p).code(), Code::invalid_argument);
  spec.uid.reset();
  UniqueFd read_only(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  spec.join_cgroup_procs_fds = {read_only.get()};
  Status s = ChildProcess::spawn(spec, &p);
  EXPECT_EQ(s.message().rfind("sleeper: cannot join its cgroup: ", 0), 0u) << s.ToString();
  spec.join_cgroup_procs_fds.clear();
  cpu_set_t none;
  CPU_ZERO(&none);
  spec.cpu_affinity = none;
  s = ChildProcess::spawn(spec, &p);
  EXPECT_EQ(s.message(), "sleeper: cannot set its CPU affinity: Invalid argument");
  EXPECT_FALSE(p.valid());
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "no child left to reap";
}

TEST(ChildProcessAdoptTest, AnAdoptedProcessIsKilledAndWaitedForWithUnknownStatus) {
  // sh starts sleep in the background and exits: sleep is not our child.
  Pipe out;
  ChildSpec spec;
  spec.binary = "/bin/sh";
  spec.args = {"-c", "sleep 600 & echo $!"};
  spec.fds = {{1, out.write.get()}};
  ChildProcess parent;
  ASSERT_TRUE(ChildProcess::spawn(spec, &parent).ok());
  out.write.reset();
  const pid_t orphan = std::atoi(read_line(out.read.get()).c_str());
  ASSERT_GT(orphan, 0);
  parent.wait();
  ChildProcess adopted;
  ASSERT_TRUE(ChildProcess::adopt("orphan", orphan, false, &adopted).ok());
  EXPECT_FALSE(adopted.try_reap());
  adopted = ChildProcess();
  EXPECT_TRUE(gone(orphan));
  EXPECT_EQ(ChildProcess::adopt("orphan", 0x3fffffff, false, &adopted).code(), Code::not_found);
}

}  // namespace
}  // namespace ember::shimproc
