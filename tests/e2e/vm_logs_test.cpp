// `emberctl vm logs [-f]` end to end against hollow VMs, whose VM dir gets a
// console log written by the test (the qemu backend's own is covered in
// qemu_e2e_test), and the console tail a tombstone keeps of it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/inotify.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "ember_tombstone_service.pb.h"
#include "fccontrol.pb.h"
#include "messages/ember_tombstone_service.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

std::string create_request(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

std::string stop_request(const std::string& id) {
  StopVMRequest r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

EmberdOptions short_tails() {
  EmberdOptions o;
  o.extra_yaml = "tombstones:\n  console_tail_bytes: 10\n";
  return o;
}

class VmLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(client.call(Method::create_vm, create_request("vm1")).status.ok());
  }
  std::string dir() const { return emberd.vm_dir("default", "vm1"); }
  ctltest::CtlResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--address", emberd.socket()});
    return ctltest::run_emberctl(work.path(), args);
  }

  Emberd emberd{short_tails()};
  FcClient client{emberd.socket()};
  ctltest::TempDir work;
};

TEST_F(VmLogsTest, PrintsTheRotatedLogThenTheCurrentOne) {
  append(dir() + "/console.log.1", "older\n");
  append(dir() + "/console.log", "newer\n");
  auto r = ctl({"vm", "logs", "vm1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "older\nnewer\n");
}

TEST_F(VmLogsTest, AVmWithoutAConsoleLogIsFailedPrecondition) {
  auto r = ctl({"vm", "logs", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("FAILED_PRECONDITION: VM vm1 has no console log"), std::string::npos)
      << r.err;
  r = ctl({"vm", "logs", "ghost"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NOT_FOUND"), std::string::npos) << r.err;
}

TEST_F(VmLogsTest, ConsoleAndExecOfAHollowVmAreFailedPreconditionAndLineBreaksInvalid) {
  auto r = ctl({"vm", "console", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("FAILED_PRECONDITION: VM vm1 has no interactive console"), std::string::npos)
      << r.err;
  r = ctl({"vm", "exec", "vm1", "--", "echo", "hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("FAILED_PRECONDITION: VM vm1 has no guest agent port"), std::string::npos)
      << r.err;
  r = ctl({"vm", "exec", "vm1", "--", "echo", "a\nb"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: CMD argument 2 holds a line break, which the guest agent "
            "cannot take\n");
}

TEST_F(VmLogsTest, FollowPrintsWhatComesUntilTheVmEndsAndTheTombstoneKeepsTheTail) {
  append(dir() + "/console.log", "boot\n");
  // emberctl watches the directory before it opens the log: once the log is
  // opened (by it: the test's own writes are done), nothing written is missed.
  UniqueFd opened(::inotify_init1(IN_CLOEXEC));
  ASSERT_GE(::inotify_add_watch(opened.get(), (dir() + "/console.log").c_str(), IN_OPEN), 0);
  auto follower = std::async(std::launch::async, [this] {
    return ctl({"vm", "logs", "-f", "vm1"});
  });
  pollfd p{opened.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 60000), 1) << "emberctl never opened the console log";
  append(dir() + "/console.log", "EMBER-GUEST-READY\n0123456789");
  ASSERT_TRUE(client.call(Method::stop_vm, stop_request("vm1")).status.ok());
  ASSERT_EQ(follower.wait_for(60s), std::future_status::ready) << "-f did not end with the VM";
  auto r = follower.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "boot\nEMBER-GUEST-READY\n0123456789");

  auto t = ctl({"--json", "vm", "tombstone", "vm1"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto j = nlohmann::json::parse(t.out);
  EXPECT_EQ(j["cause"], "stop");
  EXPECT_EQ(j["has_console"], true);
  EXPECT_EQ(j["console_tail"], "0123456789") << "bounded by tombstones.console_tail_bytes";
}

}  // namespace
}  // namespace ember::e2e
