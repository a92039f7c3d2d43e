// Launches that break the contract: ember-shim must exit 2 with a message on
// stderr, serve nothing and write nothing.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {
namespace {

class ShimLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(shimproc::VmDir::create(tree_.path() + "/vm", "ns1", "vm1", &vm_dir_).ok());
    ASSERT_TRUE(io::bind_listener(tree_.path() + "/t.sock", &task_).ok());
    ASSERT_TRUE(io::bind_listener(tree_.path() + "/f.sock", &fcc_).ok());
    launch_.binary = EMBER_SHIM_BINARY;
    launch_.args = {"-namespace", "ns1", "-id", "vm1", "-address", "/run/c.sock"};
    launch_.env = {"FIRECRACKER_VM_ID=vm1", "FCCONTROL_SOCKET_FD=4",
                   "TTRPC_ADDRESS=/run/c.sock.ttrpc",
                   "EMBER_CONFIG=" + write_config("vmm:\n  backend: hollow\n")};
    launch_.cwd = vm_dir_.path();
    launch_.child_fds = {task_.fd(), fcc_.fd()};
  }

  std::string write_config(const std::string& yaml) {
    const std::string path = tree_.path() + "/config.yaml";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, yaml.data(), yaml.size()), static_cast<ssize_t>(yaml.size()));
    ::close(fd);
    return path;
  }

  void set_env(const std::string& name, const std::string& value) {
    for (auto& e : launch_.env) {
      if (e.rfind(name + "=", 0) == 0) {
        e = name + "=" + value;
        return;
      }
    }
    launch_.env.push_back(name + "=" + value);
  }
  void unset_env(const std::string& name) {
    std::vector<std::string> kept;
    for (auto& e : launch_.env) {
      if (e.rfind(name + "=", 0) != 0) kept.push_back(e);
    }
    launch_.env = kept;
  }

  // Runs the launch and expects exit code 2 with `message` on stderr, and
  // nothing written into the VM directory.
  void expect_refused(const std::string& message) {
    int code = 0;
    std::string output;
    ASSERT_TRUE(run_raw(launch_, &code, &output).ok());
    EXPECT_EQ(code, 2) << output;
    EXPECT_NE(output.find(message), std::string::npos) << output;
    EXPECT_NE(::access(vm_dir_.state_path().c_str(), F_OK), 0);
  }

  TempTree tree_;
  shimproc::VmDir vm_dir_;
  io::BoundSocket task_;
  io::BoundSocket fcc_;
  RawLaunch launch_;
};

TEST_F(ShimLaunchTest, MissingFdFourIsRefused) {
  launch_.child_fds = {task_.fd(), -1};
  expect_refused("ember-shim: fd 4 (fccontrol socket) is not open");
}

TEST_F(ShimLaunchTest, MissingFdThreeIsRefused) {
  launch_.child_fds = {-1, fcc_.fd()};
  expect_refused("ember-shim: fd 3 (containerd task socket) is not open");
}

TEST_F(ShimLaunchTest, AConnectedSocketAsFdFourIsRefused) {
  int sp[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  UniqueFd a(sp[0]), b(sp[1]);
  launch_.child_fds = {task_.fd(), a.get()};
  expect_refused("fd 4 (fccontrol socket) is not listening");
}

TEST_F(ShimLaunchTest, ADatagramSocketAsFdFourIsRefused) {
  UniqueFd dgram(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(dgram.valid());
  launch_.child_fds = {task_.fd(), dgram.get()};
  expect_refused("fd 4 (fccontrol socket) is not a unix stream socket");
}

TEST_F(ShimLaunchTest, AFileAsFdThreeIsRefused) {
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  launch_.child_fds = {file.get(), fcc_.fd()};
  expect_refused("fd 3 (containerd task socket) is not a socket");
}

TEST_F(ShimLaunchTest, AnInvalidVmIdIsRefused) {
  launch_.args = {"-namespace", "ns1", "-id", "bad/id"};
  set_env("FIRECRACKER_VM_ID", "bad/id");
  expect_refused("VM id");
}

TEST_F(ShimLaunchTest, AnInvalidNamespaceIsRefused) {
  launch_.args = {"-namespace", "-ns-", "-id", "vm1"};
  expect_refused("namespace");
}

TEST_F(ShimLaunchTest, AnIdThatDiffersFromFirecrackerVmIdIsRefused) {
  set_env("FIRECRACKER_VM_ID", "vm2");
  expect_refused("ember-shim: FIRECRACKER_VM_ID \"vm2\" does not match -id \"vm1\"");
}

TEST_F(ShimLaunchTest, AMissingFirecrackerVmIdIsRefused) {
  unset_env("FIRECRACKER_VM_ID");
  expect_refused("FIRECRACKER_VM_ID is not set");
}

TEST_F(ShimLaunchTest, FccontrolSocketFdNamesAnFdThatMustBeOpen) {
  set_env("FCCONTROL_SOCKET_FD", "5");
  expect_refused("ember-shim: fd 5 (fccontrol socket) is not open");
}

TEST_F(ShimLaunchTest, AnFccontrolSocketFdThatIsNoFdNumberAboveThreeIsRefused) {
  for (const char* bad : {"x", "3", "-1", "4x", "", "99999999999"}) {
    set_env("FCCONTROL_SOCKET_FD", bad);
    expect_refused(std::string("FCCONTROL_SOCKET_FD is \"") + bad +
                   "\": not a file descriptor number above 3");
  }
}

TEST_F(ShimLaunchTest, AWorkingDirectoryThatIsNotTheVmDirectoryIsRefused) {
  launch_.cwd = tree_.path();
  expect_refused("is not a VM directory named ns1#vm1");
}

TEST_F(ShimLaunchTest, AnUnknownFlagIsRefusedWithUsage) {
  launch_.args.push_back("-bogus");
  expect_refused("unknown flag \"-bogus\"");
  int code = 0;
  std::string output;
  ASSERT_TRUE(run_raw(launch_, &code, &output).ok());
  EXPECT_NE(output.find("usage: ember-shim"), std::string::npos) << output;
}

TEST_F(ShimLaunchTest, NoIdFlagAndNoFirecrackerVmIdIsRefused) {
  launch_.args = {"-namespace", "ns1", "-address", "/run/c.sock"};
  unset_env("FIRECRACKER_VM_ID");
  expect_refused("ember-shim: FIRECRACKER_VM_ID is not set\n");
}

TEST_F(ShimLaunchTest, ABrokenConfigFileIsRefusedWithItsError) {
  set_env("EMBER_CONFIG", write_config("vmm:\n  backend: bochs\n"));
  expect_refused("backend");
}

TEST_F(ShimLaunchTest, AMissingConfigFileIsRefused) {
  launch_.args.push_back("--config");
  launch_.args.push_back(tree_.path() + "/absent.yaml");
  expect_refused("absent.yaml");
}

TEST_F(ShimLaunchTest, HelpPrintsUsageAndExitsZero) {
  launch_.args = {"-help"};
  int code = -1;
  std::string output;
  ASSERT_TRUE(run_raw(launch_, &code, &output).ok());
  EXPECT_EQ(code, 0);
  EXPECT_NE(output.find("usage: ember-shim"), std::string::npos) << output;
}

TEST(ShimLaunchThroughShimProcessTest, AnIdMismatchExitsTwoWithTheReasonOnStderr) {
  ShimUnderTest shim;
  ShimOptions opts;
  opts.env_vm_id = "vm2";
  ASSERT_TRUE(shim.start(opts, /*connect=*/false).ok());
  EXPECT_EQ(shim.wait_exit(), 2);
  EXPECT_NE(shim.output().find("FIRECRACKER_VM_ID \"vm2\" does not match -id \"vm1\""),
            std::string::npos)
      << shim.output();
}

}  // namespace
}  // namespace ember::shimtest
