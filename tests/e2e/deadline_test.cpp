// The bounds emberd puts on CreateVM, StopVM and calls that wait for a
// create, against real emberd and shim processes (test doubles of ember-shim
// whose backend is slow to create, or never finishes a stop).
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr auto kNoDeadline = 0ms;

std::string create_request(const std::string& id, uint32_t timeout_seconds) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.set_timeoutseconds(timeout_seconds);
  return r.SerializeAsString();
}

std::string stop_request(const std::string& id, uint32_t timeout_seconds) {
  StopVMRequest r;
  r.set_vmid(id);
  r.set_timeoutseconds(timeout_seconds);
  return r.SerializeAsString();
}

// The create takes 2 s; timeouts.create_vm_seconds is 1 s; the request asks
// for 10 s and the call carries no ttrpc deadline: the request's bound holds.
TEST(DeadlineTest, CreateVmTimeoutSecondsReplacesTheConfiguredBound) {
  Emberd emberd({SLOW_CREATE_SHIM_PATH, "timeouts:\n  create_vm_seconds: 1\n", {}});
  FcClient client(emberd.socket());
  auto r = client.call(Method::create_vm, create_request("slow", 10), "default", kNoDeadline);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("slow")).status.ok());
}

// The other way round: the request's 1 s ends a 2 s create, whatever the
// configured 60 s; the shim is killed and nothing is left.
TEST(DeadlineTest, CreateVmTimeoutSecondsEndsASlowerCreate) {
  Emberd emberd({SLOW_CREATE_SHIM_PATH, "timeouts:\n  create_vm_seconds: 60\n", {}});
  FcClient client(emberd.socket());
  auto r = client.call(Method::create_vm, create_request("slow", 1), "default", kNoDeadline);
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded) << r.status.ToString();
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("slow")).status.code(),
            Code::not_found);
}

// A call sent during the 2 s create waits at most timeouts.call_wait_seconds.
TEST(DeadlineTest, ACallWaitingForACreateEndsAtCallWaitSeconds) {
  Emberd emberd({SLOW_CREATE_SHIM_PATH, "timeouts:\n  call_wait_seconds: 1\n", {}});
  FcClient client(emberd.socket());
  std::promise<ttrpc::CallResult> created;
  ttrpc::CallOptions opts;
  opts.metadata = {{ttrpc::kNamespaceKey, "default"}};
  // Sent first on the same connection: the actors keep that order.
  client.raw().call(msg::kFirecrackerService, "CreateVM", create_request("slow", 0), opts,
                    [&](ttrpc::CallResult r) { created.set_value(std::move(r)); });
  auto info =
      client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("slow"), "default", kNoDeadline);
  EXPECT_EQ(info.status.code(), Code::deadline_exceeded) << info.status.ToString();
  EXPECT_NE(info.status.message().find("VM slow was still being created after 1000 ms"),
            std::string::npos)
      << info.status.message();
  EXPECT_TRUE(created.get_future().get().status.ok());
}

// A StopVM whose caller's deadline (1 s) is shorter than its TimeoutSeconds
// (60 s): the shim, which never finishes a stop, is killed at the deadline.
TEST(DeadlineTest, StopVmKeepsTheCallersShorterDeadline) {
  Emberd emberd({STUBBORN_SHIM_PATH, {}, {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("mule", 0)).status.ok());
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "mule"));
  auto r = client.call(Method::stop_vm, stop_request("mule", 60), "default", 1s);
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded) << r.status.ToString();
  EXPECT_TRUE(wait_process_exit(shim, 20s));  // 60 s before the fix
  EXPECT_TRUE(wait_gone(emberd.vm_dir("default", "mule"), 20s));
}

}  // namespace
}  // namespace ember::e2e

namespace ember::e2e {
namespace {

// As the seed forwards its request context: every key of the caller's ttrpc
// metadata reaches the shim, in order, the namespace's among them.
TEST(ForwardingTest, EveryKeyOfTheCallersMetadataReachesTheShim) {
  Emberd emberd({METADATA_ECHO_SHIM_PATH, {}, {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(msg::Method::create_vm, create_request("echo", 0)).status.ok());
  ttrpc::CallOptions opts;
  opts.timeout = std::chrono::seconds(60);
  opts.metadata = {{"x-trace-id", "abc123"},
                   {ttrpc::kNamespaceKey, "default"},
                   {"x-tenant", "blue"},
                   {"x-tenant", "green"}};
  auto r = client.raw().call_sync(msg::kFirecrackerService, "GetVMInfo",
                                  with_id<GetVMInfoRequest>("echo"), opts);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  GetVMInfoResponse info;
  ASSERT_TRUE(info.ParseFromString(r.payload));
  EXPECT_EQ(info.socketpath(),
            "x-trace-id=abc123\ncontainerd-namespace-ttrpc=default\nx-tenant=blue\n"
            "x-tenant=green\n");
  // emberd answers StopVM once the stand-in has exited: nothing outlives the test.
  EXPECT_TRUE(client.call(msg::Method::stop_vm, stop_request("echo", 5)).status.ok());
}

}  // namespace
}  // namespace ember::e2e
