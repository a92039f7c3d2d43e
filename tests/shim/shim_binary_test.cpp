// The ember-shim binary as the OS sees it: its state file, its fds, its
// backend choice (and the hand-off to ember-shim-firecracker), the libraries
// it loads, and (stubborn-shim) a backend that never finishes a stop.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "shimproc/shim_process.hpp"
#include "shimproc/shim_state.hpp"
#include "tests/support/fd_census.hpp"
#include "tests/support/shim_harness.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

using testsupport::open_fds;

// The "flags:" line of /proc/<pid>/fdinfo/<fd>, octal.
long fd_flags(pid_t pid, int fd) {
  std::istringstream in(
      read_file("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd)).value_or(""));
  std::string key;
  while (in >> key) {
    if (key == "flags:") {
      std::string value;
      in >> value;
      return std::stol(value, nullptr, 8);
    }
  }
  return -1;
}

Status create_vm(ShimUnderTest& shim) {
  CreateVMRequest req;
  req.set_vmid(shim.options().id);
  return shim.call("CreateVM", req);
}

TEST(ShimBinaryTest, WritesShimStateJsonIntoTheVmDirectory) {
  ShimUnderTest shim;
  ASSERT_TRUE(shim.start({}).ok());
  // The client is connected and served, so the state was written before.
  ASSERT_TRUE(create_vm(shim).ok());
  const std::string path = shim.vm_dir().state_path();
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  shimproc::ShimState state;
  const std::string text = read_file(path).value_or("");
  ASSERT_TRUE(shimproc::from_json(text, &state).ok()) << text;
  EXPECT_EQ(state.pid, shim.pid());
  EXPECT_EQ(state.start_time, shimproc::process_start_time(shim.pid()));
  EXPECT_NE(state.start_time, 0u);
  EXPECT_EQ(state.ns, "ns1");
  EXPECT_EQ(state.id, "vm1");
  EXPECT_EQ(state.address, "/run/containerd/containerd.sock");
  EXPECT_EQ(state.shim_socket, shim.shim_socket_path());
  EXPECT_EQ(state.fccontrol_socket, shim.fccontrol_socket_path());
  EXPECT_EQ(state.backend, "hollow");

  StopVMRequest stop;
  stop.set_vmid("vm1");
  ASSERT_TRUE(shim.call("StopVM", stop).ok());
  ASSERT_EQ(shim.wait_exit(), 0);
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the state file outlived the shim";
}

TEST(ShimBinaryTest, HoldsOnlyTheInheritedFdsZeroToFourPlusItsOwn) {
  ShimUnderTest shim;
  ASSERT_TRUE(shim.start({}).ok());
  ASSERT_TRUE(create_vm(shim).ok());  // the shim has accepted our connection by now
  const auto fds = open_fds(shim.pid());
  ASSERT_FALSE(fds.empty());
  for (int fd = 0; fd <= 4; ++fd)
    ASSERT_TRUE(fds.count(fd)) << "fd " << fd << " missing";
  EXPECT_EQ(fds.at(0), "/dev/null");
  EXPECT_EQ(fds.at(1), fds.at(2));  // the launcher's output pipe
  EXPECT_EQ(fds.at(3), "socket:[" + std::to_string(shim.shim_socket_inode()) + "]");
  EXPECT_EQ(fds.at(4), "socket:[" + std::to_string(shim.fccontrol_socket_inode()) + "]");
  // Taken over: never inherited by a VMM.
  EXPECT_NE(fd_flags(shim.pid(), 3) & O_CLOEXEC, 0);
  EXPECT_NE(fd_flags(shim.pid(), 4) & O_CLOEXEC, 0);
  // Everything else was opened by the shim itself: its event loop's kernel
  // objects and the connection it accepted, all close-on-exec.
  for (const auto& [fd, target] : fds) {
    if (fd <= 4) continue;
    const bool own = target.rfind("anon_inode:", 0) == 0 || target.rfind("socket:[", 0) == 0;
    EXPECT_TRUE(own) << "fd " << fd << " -> " << target;
    EXPECT_NE(fd_flags(shim.pid(), fd) & O_CLOEXEC, 0) << "fd " << fd << " -> " << target;
  }
}

// libcurl (and the ~30 libraries it pulls in) belongs to ember-shim-firecracker
// only: a hollow or qemu shim's exec must stay cheap (issue 11).
TEST(ShimBinaryTest, AHollowShimMapsNoLibcurl) {
  ShimUnderTest shim;
  ASSERT_TRUE(shim.start({}).ok());
  ASSERT_TRUE(create_vm(shim).ok());
  const std::string maps = read_file("/proc/" + std::to_string(shim.pid()) + "/maps").value_or("");
  ASSERT_FALSE(maps.empty());
  EXPECT_EQ(maps.find("libcurl"), std::string::npos) << maps;
}

// ember-shim execs ember-shim-firecracker from its own directory: a copy of
// ember-shim alone in a directory cannot, and says so as a bad launch.
TEST(ShimBinaryTest, TheFirecrackerBackendWithoutItsProgramIsABadLaunch) {
  TempTree dir;
  const std::string lone_shim = dir / "ember-shim";
  std::filesystem::copy_file(EMBER_SHIM_BINARY, lone_shim);
  ShimUnderTest shim;
  ShimOptions opts;
  opts.binary = lone_shim;
  opts.config_yaml = "vmm:\n  backend: firecracker\n";
  ASSERT_TRUE(shim.start(opts, /*connect=*/false).ok());
  EXPECT_EQ(shim.wait_exit(), 2);
  EXPECT_NE(shim.output().find("ember-shim: cannot run " + dir.path() +
                               "/ember-shim-firecracker for the firecracker backend: No such "
                               "file or directory"),
            std::string::npos)
      << shim.output();
}

TEST(ShimBinaryTest, StubbornShimNeverFinishesStopVmAndRefusesCallsMeanwhile) {
  ShimUnderTest shim;
  ShimOptions opts;
  opts.binary = STUBBORN_SHIM_BINARY;
  ASSERT_TRUE(shim.start(opts).ok());
  ASSERT_TRUE(create_vm(shim).ok());
  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(1);
  ttrpc::CallOptions opts_with_deadline;
  opts_with_deadline.timeout = std::chrono::seconds(2);
  EXPECT_EQ(shim.call("StopVM", stop, nullptr, opts_with_deadline).code(), Code::deadline_exceeded);
  GetVMInfoRequest info;
  info.set_vmid("vm1");
  Status s = shim.call("GetVMInfo", info);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM vm1 is stopping");
  s = create_vm(shim);
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(shim.call("StopVM", stop).code(), Code::failed_precondition);
  EXPECT_TRUE(shim.running());
  // The harness's ShimProcess kills it, as emberd does at the timeout.
}

}  // namespace
}  // namespace ember::shimtest
