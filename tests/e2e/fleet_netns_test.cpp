// The fleet end to end (docs/fleet.md): 3 member emberds and a front, each in
// its own network namespace (tests/support/netns.hpp), linked with TLS over
// veth pairs, hollow VMs. Placement, a killed member, a partitioned member, a
// killed front, a member of another CA, and every fccontrol call through the
// front. Every wait is bounded and waits for a positive signal (a member's
// state in `emberctl fleet members`).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "fccontrol.pb.h"
#include "tests/e2e/fleet_cluster.hpp"
#include "tests/e2e/inventory_client.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr auto kLinkTimeout = 60s;  // TLS links under load on 2 shared cores

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!netns_supported(&why)) GTEST_SKIP() << "network namespaces unavailable: " << why;
  }
  void TearDown() override {
    if (HasFailure() && fleet_) std::cerr << "front's log:\n" << fleet_->front().log();
  }
  void start(FleetOptions opts = {}) {
    fleet_ = std::make_unique<FleetCluster>(opts);
    client_ = std::make_unique<FcClient>(fleet_->front().socket());
  }
  FleetCluster& fleet() { return *fleet_; }
  FcClient& client() { return *client_; }

  bool all_up() {
    return fleet().wait_members(
        [](const std::vector<MemberRow>& rows) {
          for (const auto& r : rows)
            if (r.state != "up") return false;
          return !rows.empty();
        },
        kLinkTimeout);
  }
  // Creates ids prefix0..prefix(n-1) through the front, `threads` at once.
  void create_all(const std::string& prefix, int n, int threads = 4) {
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    std::string first_error;
    std::mutex mu;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        FcClient c(fleet().front().socket());
        for (int i; (i = next++) < n;) {
          auto r = c.call(Method::create_vm, small_vm_request(prefix + std::to_string(i)));
          if (r.status.ok()) continue;
          ++failed;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = r.status.ToString();
        }
      });
    for (auto& w : workers)
      w.join();
    ASSERT_EQ(failed.load(), 0) << first_error << "\n" << fleet().front().log();
  }
  // The ids each member holds, by its own ListVMs.
  std::set<std::string> ids_on(int n) {
    FcClient c(fleet().member(n).socket());
    v1::ListVMsResponse list;
    Status s = list_vms(c, "default", false, &list);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::set<std::string> ids;
    for (const auto& vm : list.vms())
      ids.insert(vm.vmid());
    return ids;
  }
  ttrpc::CallResult info(const std::string& id) {
    return client().call(Method::get_vm_info, with_id<GetVMInfoRequest>(id));
  }

  std::unique_ptr<FleetCluster> fleet_;
  std::unique_ptr<FcClient> client_;
};

TEST_F(FleetTest, ThreeHundredVmsArePlacedFewestVmsFirst) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows() << fleet().front().log();
  auto begin = std::chrono::steady_clock::now();
  create_all("p", 300);
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::cout << "300 creates through the front: " << took << " s\n";
  // Equal members: fewest placed VMs, then free memory, then name order
  // spreads a burst evenly.
  std::set<std::string> all;
  for (int n = 1; n <= 3; ++n) {
    auto ids = ids_on(n);
    EXPECT_EQ(ids.size(), 100u) << "member m" << n;
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), 300u) << "no id on two members";
  for (const auto& row : fleet().member_rows())
    EXPECT_EQ(row.placed_vms, 100u) << row.name << ": " << fleet().last_rows();
  // The front's ListVMs names each VM's member, as the member itself does.
  v1::ListVMsResponse list;
  ASSERT_TRUE(list_vms(client(), "default", false, &list).ok());
  EXPECT_EQ(list.vms_size(), 300);
  auto on_m2 = ids_on(2);
  for (const auto& vm : list.vms())
    EXPECT_EQ(vm.member() == "m2", on_m2.count(vm.vmid()) == 1) << vm.vmid();
}

TEST_F(FleetTest, AKilledMemberAnswersUnavailableUntilItReturnsWithNothingLost) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  create_all("k", 30);
  auto on_m2 = ids_on(2);
  ASSERT_EQ(on_m2.size(), 10u);

  ASSERT_EQ(fleet().member(2).stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(fleet().wait_state(2, "lost")) << fleet().last_rows();
  for (int i = 0; i < 30; ++i) {
    std::string id = "k" + std::to_string(i);
    auto r = info(id);
    if (on_m2.count(id)) {
      EXPECT_EQ(r.status.code(), Code::unavailable) << id << ": " << r.status.ToString();
      EXPECT_NE(r.status.message().find("member m2 (10.77.2.2:7100) is unreachable"),
                std::string::npos)
          << r.status.ToString();
    } else {
      EXPECT_TRUE(r.status.ok()) << id << ": " << r.status.ToString();
    }
  }
  // New VMs go to the members that are up.
  ASSERT_TRUE(client().call(Method::create_vm, small_vm_request("while-lost")).status.ok());
  EXPECT_EQ(ids_on(1).count("while-lost") + ids_on(3).count("while-lost"), 1u);

  fleet().member(2).restart();  // adopts its shims, then re-announces them
  ASSERT_TRUE(fleet().wait_state(2, "up", kLinkTimeout)) << fleet().last_rows();
  EXPECT_EQ(ids_on(2), on_m2);
  for (int i = 0; i < 30; ++i)
    EXPECT_TRUE(info("k" + std::to_string(i)).status.ok()) << i;
  uint32_t placed = 0;
  for (const auto& row : fleet().member_rows())
    placed += row.placed_vms;
  EXPECT_EQ(placed, 31u) << fleet().last_rows();
}

TEST_F(FleetTest, APartitionedMemberHealsWithNoVmLostOrDuplicated) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  create_all("n", 30);
  auto on_m3 = ids_on(3);
  ASSERT_EQ(on_m3.size(), 10u);

  fleet().net().cut(3);  // TCP stays silent: only the missed reports tell
  ASSERT_TRUE(fleet().wait_state(3, "lost")) << fleet().last_rows();
  auto r = info(*on_m3.begin());
  EXPECT_EQ(r.status.code(), Code::unavailable) << r.status.ToString();
  EXPECT_NE(r.status.message().find("member m3"), std::string::npos) << r.status.ToString();
  // An id placed on the lost member stays taken fleet-wide.
  auto again = client().call(Method::create_vm, small_vm_request(*on_m3.begin()));
  EXPECT_EQ(again.status.code(), Code::already_exists) << again.status.ToString();
  create_all("during", 6);

  fleet().net().heal(3);
  ASSERT_TRUE(fleet().wait_state(3, "up", kLinkTimeout)) << fleet().last_rows();
  std::map<std::string, int> copies;
  for (int n = 1; n <= 3; ++n)
    for (const auto& id : ids_on(n))
      ++copies[id];
  EXPECT_EQ(copies.size(), 36u);
  for (const auto& [id, count] : copies) {
    EXPECT_EQ(count, 1) << id;
    EXPECT_TRUE(info(id).status.ok()) << id;
  }
  for (const auto& row : fleet().member_rows())
    EXPECT_TRUE(row.conflicts.empty()) << row.name;
}

// The rule of docs/fleet.md: an id on two members (made on the partitioned
// member directly while the front had it elsewhere) is a conflict; the
// earlier copy wins, calls go to it, the later one is listed, not stopped.
TEST_F(FleetTest, AnIdOnTwoMembersAfterAPartitionIsAConflictTheEarlierCopyWins) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  fleet().net().cut(3);
  ASSERT_TRUE(fleet().wait_state(3, "lost")) << fleet().last_rows();
  ASSERT_TRUE(client().call(Method::create_vm, small_vm_request("twice")).status.ok());
  {
    FcClient direct(fleet().member(3).socket());
    ASSERT_TRUE(direct.call(Method::create_vm, small_vm_request("twice")).status.ok());
  }
  fleet().net().heal(3);
  ASSERT_TRUE(fleet().wait_state(3, "up", kLinkTimeout)) << fleet().last_rows();
  std::string winner;
  for (const auto& row : fleet().member_rows()) {
    if (row.name == "m3") {
      EXPECT_EQ(row.conflicts, std::vector<std::string>{"default/twice"}) << fleet().last_rows();
    } else if (row.placed_vms == 1) {
      winner = row.name;
    }
  }
  ASSERT_FALSE(winner.empty()) << fleet().last_rows();
  v1::ListVMsResponse list;
  ASSERT_TRUE(list_vms(client(), "default", false, &list).ok());
  int listed = 0, conflicts = 0;
  for (const auto& vm : list.vms()) {
    if (vm.vmid() != "twice") continue;
    ++listed;
    conflicts += vm.conflict() ? 1 : 0;
    EXPECT_EQ(vm.conflict(), vm.member() == "m3") << vm.member();
  }
  EXPECT_EQ(listed, 2);
  EXPECT_EQ(conflicts, 1);
  // Calls go to the winner: stopping it leaves m3's copy alone.
  ASSERT_TRUE(client().call(Method::stop_vm, with_id<StopVMRequest>("twice")).status.ok());
  EXPECT_EQ(ids_on(3).count("twice"), 1u);
}

TEST_F(FleetTest, ARestartedFrontRebuildsItsPlacementAndStillRefusesDuplicates) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  create_all("f", 30);
  client_.reset();
  ASSERT_EQ(fleet().front().stop(SIGKILL), 128 + SIGKILL);
  fleet().front().restart();
  client_ = std::make_unique<FcClient>(fleet().front().socket());
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  uint32_t placed = 0;
  for (const auto& row : fleet().member_rows()) {
    EXPECT_EQ(row.placed_vms, 10u) << row.name;
    placed += row.placed_vms;
  }
  EXPECT_EQ(placed, 30u);
  for (int i = 0; i < 30; ++i) {
    std::string id = "f" + std::to_string(i);
    EXPECT_TRUE(info(id).status.ok()) << id;
    auto dup = client().call(Method::create_vm, small_vm_request(id));
    EXPECT_EQ(dup.status.code(), Code::already_exists) << id << ": " << dup.status.ToString();
  }
}

TEST_F(FleetTest, AMemberWithACertificateOfAnotherCaIsRefused) {
  FleetOptions opts;
  opts.foreign_ca = {3};
  start(opts);
  ASSERT_TRUE(fleet().wait_state(3, "refused", kLinkTimeout)) << fleet().last_rows();
  ASSERT_TRUE(fleet().wait_state(1, "up", kLinkTimeout)) << fleet().last_rows();
  ASSERT_TRUE(fleet().wait_state(2, "up", kLinkTimeout)) << fleet().last_rows();
  std::string log = fleet().front().log();
  EXPECT_NE(log.find("m3"), std::string::npos) << log;
  EXPECT_NE(log.find("refused"), std::string::npos) << log;
  create_all("c", 6);
  EXPECT_TRUE(ids_on(3).empty());
  // The refused member's retries leave the others alone.
  ASSERT_TRUE(fleet().wait_members(
      [](const std::vector<MemberRow>& rows) {
        return rows.size() == 3 && rows[2].state == "refused" &&
               rows[2].reason.find("TLS") != std::string::npos;
      },
      kLinkTimeout))
      << fleet().last_rows();
  log = fleet().front().log();
  EXPECT_EQ(log.find("m1 (10.77.1.2:7100) is lost"), std::string::npos) << log;
  EXPECT_EQ(log.find("m2 (10.77.2.2:7100) is lost"), std::string::npos) << log;
}

// The calls of LifecycleTest.EveryCallWorksFromCreateToStop, through the front.
TEST_F(FleetTest, EveryFccontrolCallPassesThroughTheFront) {
  start();
  ASSERT_TRUE(all_up()) << fleet().last_rows();
  CreateVMRequest create;
  create.set_vmid("vm1");
  create.mutable_machinecfg()->set_vcpucount(1);
  create.mutable_machinecfg()->set_memsizemib(128);
  create.mutable_balloondevice()->set_amountmib(16);
  auto created = client().call(Method::create_vm, create.SerializeAsString());
  ASSERT_TRUE(created.status.ok()) << created.status.ToString() << fleet().front().log();
  CreateVMResponse cr;
  ASSERT_TRUE(cr.ParseFromString(created.payload));
  EXPECT_EQ(cr.vmid(), "vm1");
  auto ok = [&](Method m, const std::string& payload) {
    auto r = client().call(m, payload);
    EXPECT_TRUE(r.status.ok()) << msg::method_name(m) << ": " << r.status.ToString();
    return r;
  };
  GetVMInfoResponse vi;
  EXPECT_TRUE(
      vi.ParseFromString(ok(Method::get_vm_info, with_id<GetVMInfoRequest>("vm1")).payload));
  EXPECT_EQ(vi.vmid(), "vm1");
  ok(Method::pause_vm, with_id<PauseVMRequest>("vm1"));
  ok(Method::resume_vm, with_id<ResumeVMRequest>("vm1"));
  SetVMMetadataRequest set;
  set.set_vmid("vm1");
  set.set_metadata(R"({"a":{"b":1,"c":2},"d":"x"})");
  ok(Method::set_vm_metadata, set.SerializeAsString());
  UpdateVMMetadataRequest upd;
  upd.set_vmid("vm1");
  upd.set_metadata(R"({"a":{"b":null,"e":3},"d":"y"})");
  ok(Method::update_vm_metadata, upd.SerializeAsString());
  GetVMMetadataResponse md;
  md.ParseFromString(ok(Method::get_vm_metadata, with_id<GetVMMetadataRequest>("vm1")).payload);
  EXPECT_EQ(nlohmann::json::parse(md.metadata()),
            nlohmann::json::parse(R"({"a":{"c":2,"e":3},"d":"y"})"));
  GetBalloonConfigResponse bc;
  bc.ParseFromString(
      ok(Method::get_balloon_config, with_id<GetBalloonConfigRequest>("vm1")).payload);
  EXPECT_EQ(bc.balloonconfig().amountmib(), 16);
  UpdateBalloonRequest ub;
  ub.set_vmid("vm1");
  ub.set_amountmib(32);
  ok(Method::update_balloon, ub.SerializeAsString());
  UpdateBalloonStatsRequest us;
  us.set_vmid("vm1");
  us.set_statspollingintervals(2);
  ok(Method::update_balloon_stats, us.SerializeAsString());
  GetBalloonStatsResponse st;
  st.ParseFromString(ok(Method::get_balloon_stats, with_id<GetBalloonStatsRequest>("vm1")).payload);
  EXPECT_EQ(st.targetmib(), 32);
  auto dup = client().call(Method::create_vm, create.SerializeAsString());
  EXPECT_EQ(dup.status.code(), Code::already_exists) << dup.status.ToString();
  ok(Method::stop_vm, with_id<StopVMRequest>("vm1"));
  auto gone = info("vm1");
  EXPECT_EQ(gone.status.code(), Code::not_found) << gone.status.ToString();
  for (int n = 1; n <= 3; ++n)
    EXPECT_TRUE(ids_on(n).empty()) << "m" << n;
}

}  // namespace
}  // namespace ember::e2e
