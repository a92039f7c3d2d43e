// Tombstones end to end (hollow VMs): a VM that ends leaves a bounded record
// of how it ended, served by emberd's "ember.v1.Tombstones" service and shown
// by `emberctl vm tombstone`.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "ember_tombstone_service.pb.h"
#include "fccontrol.pb.h"
#include "messages/ember_tombstone_service.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

class TombstoneTest : public ::testing::Test {
 protected:
  explicit TombstoneTest(EmberdOptions opts = {}) : emberd(std::move(opts)) {}

  // The records of ns/id, newest first, as JSON; the call's status in *s.
  std::vector<nlohmann::json> tombstones(const std::string& id, bool all = false,
                                         const std::string& ns = "default", Status* s = nullptr) {
    v1::TombstoneRequest req;
    req.set_namespace_(ns);
    req.set_vm_id(id);
    req.set_all(all);
    auto r = client.raw().call_sync(msg::kTombstoneService, msg::kTombstoneGet,
                                    req.SerializeAsString(), ttrpc::CallOptions{10s, {}});
    if (s != nullptr) *s = r.status;
    std::vector<nlohmann::json> out;
    v1::TombstoneResponse resp;
    if (!r.status.ok() || !resp.ParseFromString(r.payload)) return out;
    for (const auto& text : resp.records())
      out.push_back(nlohmann::json::parse(text));
    return out;
  }
  std::string tombstone_dir(const std::string& ns = "default") const {
    return emberd.root() + "/tombstones/" + ns;
  }
  void create_and_stop(const std::string& id, const std::string& ns = "default") {
    ASSERT_TRUE(client.call(Method::create_vm, small_vm_request(id), ns).status.ok());
    ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>(id), ns).status.ok());
  }

  Emberd emberd;
  FcClient client{emberd.socket()};
};

TEST_F(TombstoneTest, StoppedVmLeavesATombstoneThatEmberctlShows) {
  create_and_stop("vm1");
  auto t = tombstones("vm1");
  ASSERT_EQ(t.size(), 1u) << emberd.log();
  EXPECT_EQ(t[0]["namespace"], "default");
  EXPECT_EQ(t[0]["id"], "vm1");
  EXPECT_EQ(t[0]["backend"], "hollow");
  EXPECT_EQ(t[0]["cause"], "stop");
  EXPECT_EQ(t[0]["shim_exit"]["code"], 0);
  EXPECT_EQ(t[0]["shim_exit"]["signal"], 0);
  ASSERT_TRUE(t[0]["created"].is_string());
  ASSERT_TRUE(t[0]["exited"].is_string());
  EXPECT_LE(t[0]["created"].get<std::string>(), t[0]["exited"].get<std::string>());
  EXPECT_TRUE(t[0]["ready"].is_null()) << "a hollow guest reports no ready line";
  EXPECT_EQ(t[0]["has_console"], false);
  EXPECT_EQ(list_dir(tombstone_dir()).size(), 1u);
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());

  ctltest::TempDir work;
  auto human =
      ctltest::run_emberctl(work.path(), {"--address", emberd.socket(), "vm", "tombstone", "vm1"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("Cause: stop\n"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("ConsoleTail: none"), std::string::npos) << human.out;
  auto json = ctltest::run_emberctl(
      work.path(), {"--address", emberd.socket(), "--json", "vm", "tombstone", "vm1"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["cause"], "stop");
  auto none = ctltest::run_emberctl(
      work.path(), {"--address", emberd.socket(), "vm", "tombstone", "vm1", "-n", "other"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err, "error: NOT_FOUND: no tombstone for VM vm1 in namespace other\n");
}

TEST_F(TombstoneTest, KilledShimIsRecordedWithItsSignal) {
  ASSERT_TRUE(client.call(Method::create_vm, small_vm_request("vm1")).status.ok());
  const std::string dir = emberd.vm_dir("default", "vm1");
  const pid_t shim = shim_pid_of(dir);
  ASSERT_GT(shim, 0);
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(dir, 30s)) << emberd.log();
  auto t = tombstones("vm1");
  ASSERT_EQ(t.size(), 1u) << emberd.log();
  EXPECT_EQ(t[0]["cause"], "shim-killed");
  EXPECT_EQ(t[0]["detail"], "shim killed by signal 9");
  EXPECT_EQ(t[0]["shim_exit"]["signal"], SIGKILL);
}

TEST_F(TombstoneTest, AdoptedShimThatDiesIsRecordedWithItsStatusUnknown) {
  ASSERT_TRUE(client.call(Method::create_vm, small_vm_request("vm1")).status.ok());
  const std::string dir = emberd.vm_dir("default", "vm1");
  const pid_t shim = shim_pid_of(dir);
  ASSERT_GT(shim, 0);
  ASSERT_EQ(emberd.stop(SIGKILL), 128 + SIGKILL);
  emberd.restart();  // adopts the shim: not its child, so its exit status is unknown
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  ASSERT_TRUE(wait_gone(dir, 30s)) << emberd.log();
  ctltest::TempDir work;
  auto r = ctltest::run_emberctl(
      work.path(), {"--address", emberd.socket(), "--json", "vm", "tombstone", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = nlohmann::json::parse(r.out);
  EXPECT_EQ(t["cause"], "shim-exited");
  EXPECT_EQ(t["shim_exit"]["code"], -1);
  EXPECT_TRUE(t["created"].is_string()) << "the shim's state file dates an adopted VM";
}

TEST_F(TombstoneTest, VmWhoseShimDiedWhileEmberdWasDownIsRecordedAtStartUp) {
  ASSERT_TRUE(client.call(Method::create_vm, small_vm_request("vm1")).status.ok());
  const pid_t shim = shim_pid_of(emberd.vm_dir("default", "vm1"));
  ASSERT_GT(shim, 0);
  ASSERT_EQ(emberd.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  ASSERT_TRUE(wait_process_exit(shim, 30s));
  emberd.restart();
  EXPECT_FALSE(path_exists(emberd.vm_dir("default", "vm1")));
  ctltest::TempDir work;
  auto r = ctltest::run_emberctl(
      work.path(), {"--address", emberd.socket(), "--json", "vm", "tombstone", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err << emberd.log();
  auto t = nlohmann::json::parse(r.out);
  // Found gone by the recovery scan; or, if the dead shim is a zombie nobody
  // reaped yet (its /proc entry still matches), found gone when adopted.
  EXPECT_TRUE(t["cause"] == "lost-while-emberd-down" || t["cause"] == "adopt-failed") << t;
  EXPECT_TRUE(t["shim_exit"].is_null());
}

TEST_F(TombstoneTest, CreateRefusedBeforeAnyVmmRanLeavesNone) {
  CreateVMRequest huge;
  huge.set_vmid("huge");
  huge.mutable_machinecfg()->set_vcpucount(4096);
  auto r = client.call(Method::create_vm, huge.SerializeAsString());
  ASSERT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  Status s;
  EXPECT_TRUE(tombstones("huge", false, "default", &s).empty());
  EXPECT_EQ(s, Status::NotFound("no tombstone for VM huge in namespace default"));
  EXPECT_FALSE(path_exists(tombstone_dir()));
  tombstones("bad#id", false, "default", &s);
  EXPECT_EQ(s.code(), Code::invalid_argument) << s.ToString();
}

class BoundedTombstoneTest : public TombstoneTest {
 protected:
  BoundedTombstoneTest() : TombstoneTest(options()) {}
  static EmberdOptions options() {
    EmberdOptions o;
    o.extra_yaml = "tombstones:\n  max_per_namespace: 2\n";
    return o;
  }
};

TEST_F(BoundedTombstoneTest, OnlyTheNewestPerNamespaceAreKept) {
  for (int i = 0; i < 3; ++i)
    create_and_stop("vm1");
  create_and_stop("vm2");
  create_and_stop("vm1", "other");
  auto t = tombstones("vm1", /*all=*/true);
  ASSERT_EQ(t.size(), 1u) << "vm2's record pushed out the older vm1 ones";
  EXPECT_EQ(tombstones("vm2").size(), 1u);
  EXPECT_EQ(list_dir(tombstone_dir()).size(), 2u);
  EXPECT_EQ(tombstones("vm1", true, "other").size(), 1u) << "namespaces are bounded apart";
  create_and_stop("vm1");
  t = tombstones("vm1", true);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(tombstones("vm2", true).size(), 1u);
}

}  // namespace
}  // namespace ember::e2e

namespace ember::e2e {
namespace {

TEST(TombstoneStubbornTest, StopThatHadToKillTheShimIsStopForced) {
  Emberd emberd({STUBBORN_SHIM_PATH, {}, {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, small_vm_request("mule")).status.ok());
  StopVMRequest stop;
  stop.set_vmid("mule");
  stop.set_timeoutseconds(1);
  auto r = client.call(Method::stop_vm, stop.SerializeAsString());
  ASSERT_EQ(r.status, Status::Internal("forcefully terminated VM mule"));
  ctltest::TempDir work;
  auto t = ctltest::run_emberctl(
      work.path(), {"--address", emberd.socket(), "--json", "vm", "tombstone", "mule"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto j = nlohmann::json::parse(t.out);
  EXPECT_EQ(j["cause"], "stop-forced");
  EXPECT_EQ(j["detail"], "StopVM: forcefully terminated VM mule");
  EXPECT_EQ(j["shim_exit"]["signal"], SIGKILL);
}

}  // namespace
}  // namespace ember::e2e
