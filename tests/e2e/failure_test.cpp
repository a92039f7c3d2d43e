// End to end: bad input, dying and stubborn shims, limits. Each failure gets
// its precise code and leaves no process, socket file or directory behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <set>

#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

std::string create_request(const std::string& id, uint32_t vcpus = 1) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(vcpus);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

std::string info_request(const std::string& id) {
  GetVMInfoRequest r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

std::string stop_request(const std::string& id, uint32_t timeout_seconds = 0) {
  StopVMRequest r;
  r.set_vmid(id);
  r.set_timeoutseconds(timeout_seconds);
  return r.SerializeAsString();
}

void expect_nothing_left(const Emberd& emberd) {
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
  EXPECT_TRUE(children_of(emberd.pid()).empty());
}

class FailureTest : public ::testing::Test {
 protected:
  // emberd's fd count once it holds still: fds of a finished VM close on
  // emberd's I/O thread, so each count follows a round trip through it, and
  // the count is taken when two in a row agree (bounded by round trips, not
  // time).
  size_t settled_fd_count() {
    size_t last = open_fds(emberd.pid()).size();
    for (int i = 0; i < 50; ++i) {
      client.call(Method::get_vm_info, info_request("ghost"));
      size_t now = open_fds(emberd.pid()).size();
      if (now == last) return now;
      last = now;
    }
    return last;
  }

  Emberd emberd;
  FcClient client{emberd.socket()};
};

TEST_F(FailureTest, InvalidVmIdsAreInvalidArgument) {
  const std::string bad[] = {"", std::string(77, 'a'), "../x", "a#b", "a/b", "\xc3\xa9t\xc3\xa9"};
  for (const auto& id : bad) {
    auto r = client.call(Method::create_vm, create_request(id));
    EXPECT_EQ(r.status.code(), Code::invalid_argument)
        << "id '" << id << "': " << r.status.ToString();
    r = client.call(Method::get_vm_info, info_request(id));
    EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  }
  EXPECT_TRUE(client.call(Method::create_vm, create_request(std::string(76, 'a'))).status.ok());
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request(std::string(76, 'a'))).status.ok());
  expect_nothing_left(emberd);
}

TEST_F(FailureTest, MissingNamespaceIsFailedPrecondition) {
  auto r = client.call(Method::create_vm, create_request("vm1"), "");
  EXPECT_EQ(r.status.code(), Code::failed_precondition);
  EXPECT_EQ(r.status.message().rfind("namespace is required", 0), 0u) << r.status.message();
  r = client.call(Method::create_vm, create_request("vm1"), "bad#ns");
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  expect_nothing_left(emberd);
}

TEST_F(FailureTest, UndecodablePayloadIsInvalidArgument) {
  auto r = client.call(Method::create_vm, std::string("\xff\xff\xff", 3));
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  expect_nothing_left(emberd);
}

TEST_F(FailureTest, UnknownVmIsNotFoundAndNamesIt) {
  auto r = client.call(Method::get_vm_info, info_request("ghost"));
  EXPECT_EQ(r.status.code(), Code::not_found);
  EXPECT_NE(r.status.message().find("ghost"), std::string::npos);
  r = client.call(Method::stop_vm, stop_request("ghost"));
  EXPECT_EQ(r.status.code(), Code::not_found);
}

TEST_F(FailureTest, CreateRejectedByShimLeavesNothing) {
  auto r = client.call(Method::create_vm, create_request("huge", 4096));
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  expect_nothing_left(emberd);
  EXPECT_EQ(client.call(Method::get_vm_info, info_request("huge")).status.code(), Code::not_found);
  // The id is free again.
  EXPECT_TRUE(client.call(Method::create_vm, create_request("huge")).status.ok());
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request("huge")).status.ok());
}

TEST(FailureShimTest, ShimThatDiesAtOnceFailsCreateAndLeavesNothing) {
  Emberd emberd({"/bin/false", {}, {}});
  FcClient client(emberd.socket());
  auto r = client.call(Method::create_vm, create_request("doomed"));
  EXPECT_EQ(r.status.code(), Code::unavailable) << r.status.ToString();
  EXPECT_NE(r.status.message().find("doomed"), std::string::npos);
  expect_nothing_left(emberd);
}

TEST_F(FailureTest, DuplicateCreateIsAlreadyExists) {
  ASSERT_TRUE(client.call(Method::create_vm, create_request("dup")).status.ok());
  auto r = client.call(Method::create_vm, create_request("dup"));
  EXPECT_EQ(r.status.code(), Code::already_exists);
  EXPECT_NE(r.status.message().find("dup"), std::string::npos);
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request("dup")).status.ok());
}

TEST_F(FailureTest, SixtyFourConcurrentCreatesGiveOneVm) {
  std::vector<std::future<ttrpc::CallResult>> calls;
  std::promise<void> go;
  auto start = go.get_future().share();
  for (int i = 0; i < 64; ++i) {
    calls.push_back(std::async(std::launch::async, [&, start] {
      start.wait();
      return client.call(Method::create_vm, create_request("race"));
    }));
  }
  go.set_value();
  int ok = 0, exists = 0;
  for (auto& f : calls) {
    auto r = f.get();
    if (r.status.ok()) ++ok;
    if (r.status.code() == Code::already_exists) ++exists;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(exists, 63);
  EXPECT_EQ(children_of(emberd.pid()).size(), 1u);
  EXPECT_EQ(list_dir(emberd.vm_base_dir()).size(), 1u);
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request("race")).status.ok());
  expect_nothing_left(emberd);
}

TEST_F(FailureTest, KilledShimIsCleanedUpAndItsVmIsNotFound) {
  ASSERT_TRUE(client.call(Method::create_vm, create_request("victim")).status.ok());
  std::string dir = emberd.vm_dir("default", "victim");
  pid_t shim = shim_pid_of(dir);
  ASSERT_GT(shim, 0);
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(dir, 30s)) << emberd.log();
  auto r = client.call(Method::get_vm_info, info_request("victim"));
  EXPECT_EQ(r.status.code(), Code::not_found) << r.status.ToString();
  EXPECT_FALSE(process_alive(shim));
  expect_nothing_left(emberd);
  EXPECT_TRUE(client.call(Method::create_vm, create_request("victim")).status.ok());
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request("victim")).status.ok());
}

TEST(FailureStubbornTest, ShimIgnoringStopIsKilledAtTheTimeout) {
  Emberd emberd({STUBBORN_SHIM_PATH, {}, {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("mule")).status.ok());
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "mule"));
  std::promise<ttrpc::CallResult> stop_result;
  ttrpc::CallOptions opts;
  opts.timeout = 60s;
  opts.metadata = {{ttrpc::kNamespaceKey, "default"}};
  // Sent before the GetVMInfo below on the same connection: the actors keep
  // that order, so the info call arrives while the VM is stopping.
  client.raw().call(msg::kFirecrackerService, "StopVM", stop_request("mule", 1), opts,
                    [&](ttrpc::CallResult r) { stop_result.set_value(std::move(r)); });
  auto during = client.call(Method::get_vm_info, info_request("mule"));
  EXPECT_EQ(during.status.code(), Code::failed_precondition) << during.status.ToString();
  auto r = stop_result.get_future().get();
  EXPECT_EQ(r.status.code(), Code::internal);
  EXPECT_EQ(r.status.message(), "forcefully terminated VM mule");
  EXPECT_FALSE(process_alive(shim));
  expect_nothing_left(emberd);
  EXPECT_TRUE(client.call(Method::create_vm, create_request("mule")).status.ok());
}

TEST(FailureLimitTest, MaxVmsIsResourceExhaustedWithTheLimit) {
  Emberd emberd({{}, "limits:\n  max_vms: 2\n", {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("a")).status.ok());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("b")).status.ok());
  auto r = client.call(Method::create_vm, create_request("c"));
  EXPECT_EQ(r.status.code(), Code::resource_exhausted);
  EXPECT_NE(r.status.message().find("limits.max_vms = 2"), std::string::npos) << r.status.message();
  EXPECT_FALSE(path_exists(emberd.vm_dir("default", "c")));
  EXPECT_TRUE(client.call(Method::stop_vm, stop_request("a")).status.ok());
  EXPECT_TRUE(client.call(Method::create_vm, create_request("c")).status.ok());
}

TEST_F(FailureTest, FdCountReturnsToBaselineAfter200Cycles) {
  // Warm up once: first use allocates lasting fds (loggers, the clock).
  ASSERT_TRUE(client.call(Method::create_vm, create_request("warm")).status.ok());
  ASSERT_TRUE(client.call(Method::stop_vm, stop_request("warm")).status.ok());
  size_t baseline = settled_fd_count();
  for (int i = 0; i < 200; ++i) {
    std::string id = "cycle" + std::to_string(i);
    ASSERT_TRUE(client.call(Method::create_vm, create_request(id)).status.ok()) << i;
    ASSERT_TRUE(client.call(Method::stop_vm, stop_request(id)).status.ok()) << i;
  }
  EXPECT_EQ(settled_fd_count(), baseline) << describe_fds(open_fds(emberd.pid()));
  expect_nothing_left(emberd);
}

}  // namespace
}  // namespace ember::e2e
