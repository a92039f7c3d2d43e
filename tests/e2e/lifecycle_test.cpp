// End to end: a real emberd, real ember-shim processes (hollow backend), real
// sockets. Every fccontrol call through its whole lifecycle.
#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "fccontrol.pb.h"
#include "google/protobuf/empty.pb.h"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

template <class Msg>
Msg parse(const ttrpc::CallResult& r) {
  Msg m;
  EXPECT_TRUE(m.ParseFromString(r.payload));
  return m;
}

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

std::string create_request(const std::string& id, int64_t balloon_mib = -1) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  if (balloon_mib >= 0) {
    r.mutable_balloondevice()->set_amountmib(balloon_mib);
    r.mutable_balloondevice()->set_deflateonoom(true);
  }
  return r.SerializeAsString();
}

class LifecycleTest : public ::testing::Test {
 protected:
  Emberd emberd;
  FcClient client{emberd.socket()};
};

TEST_F(LifecycleTest, EveryCallWorksFromCreateToStop) {
  auto created = client.call(Method::create_vm, create_request("vm1", 16));
  ASSERT_TRUE(created.status.ok()) << created.status.ToString() << "\n" << emberd.log();
  auto cr = parse<CreateVMResponse>(created);
  EXPECT_EQ(cr.vmid(), "vm1");
  std::string dir = emberd.vm_dir("default", "vm1");
  EXPECT_EQ(cr.socketpath(), dir + "/firecracker.sock");
  EXPECT_TRUE(path_exists(dir + "/address"));

  auto info = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("vm1"));
  ASSERT_TRUE(info.status.ok()) << info.status.ToString();
  EXPECT_EQ(parse<GetVMInfoResponse>(info).vmid(), "vm1");

  EXPECT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("vm1")).status.ok());
  EXPECT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("vm1")).status.ok());

  SetVMMetadataRequest set;
  set.set_vmid("vm1");
  set.set_metadata(R"({"a":{"b":1,"c":2},"d":"x"})");
  EXPECT_TRUE(client.call(Method::set_vm_metadata, set.SerializeAsString()).status.ok());
  UpdateVMMetadataRequest upd;
  upd.set_vmid("vm1");
  upd.set_metadata(R"({"a":{"b":null,"e":3},"d":"y"})");
  EXPECT_TRUE(client.call(Method::update_vm_metadata, upd.SerializeAsString()).status.ok());
  auto md = client.call(Method::get_vm_metadata, with_id<GetVMMetadataRequest>("vm1"));
  ASSERT_TRUE(md.status.ok()) << md.status.ToString();
  EXPECT_EQ(nlohmann::json::parse(parse<GetVMMetadataResponse>(md).metadata()),
            nlohmann::json::parse(R"({"a":{"c":2,"e":3},"d":"y"})"));

  auto bc = client.call(Method::get_balloon_config, with_id<GetBalloonConfigRequest>("vm1"));
  ASSERT_TRUE(bc.status.ok()) << bc.status.ToString();
  EXPECT_EQ(parse<GetBalloonConfigResponse>(bc).balloonconfig().amountmib(), 16);
  UpdateBalloonRequest ub;
  ub.set_vmid("vm1");
  ub.set_amountmib(32);
  EXPECT_TRUE(client.call(Method::update_balloon, ub.SerializeAsString()).status.ok());
  UpdateBalloonStatsRequest us;
  us.set_vmid("vm1");
  us.set_statspollingintervals(2);
  EXPECT_TRUE(client.call(Method::update_balloon_stats, us.SerializeAsString()).status.ok());
  auto stats = client.call(Method::get_balloon_stats, with_id<GetBalloonStatsRequest>("vm1"));
  ASSERT_TRUE(stats.status.ok()) << stats.status.ToString();
  EXPECT_EQ(parse<GetBalloonStatsResponse>(stats).targetmib(), 32);
  bc = client.call(Method::get_balloon_config, with_id<GetBalloonConfigRequest>("vm1"));
  EXPECT_EQ(parse<GetBalloonConfigResponse>(bc).balloonconfig().statspollingintervals(), 2);

  pid_t shim = shim_pid_of(dir);
  ASSERT_GT(shim, 0);
  auto stopped = client.call(Method::stop_vm, with_id<StopVMRequest>("vm1"));
  ASSERT_TRUE(stopped.status.ok()) << stopped.status.ToString() << "\n" << emberd.log();
  // Answered only after the shim is gone and nothing of the VM is left.
  EXPECT_FALSE(process_alive(shim));
  EXPECT_FALSE(path_exists(dir));
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
  EXPECT_TRUE(children_of(emberd.pid()).empty());

  auto gone = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("vm1"));
  EXPECT_EQ(gone.status.code(), Code::not_found) << gone.status.ToString();
}

TEST_F(LifecycleTest, CreateRightAfterStopSucceeds) {
  for (int i = 0; i < 5; ++i) {
    auto c = client.call(Method::create_vm, create_request("again"));
    ASSERT_TRUE(c.status.ok()) << "round " << i << ": " << c.status.ToString();
    auto s = client.call(Method::stop_vm, with_id<StopVMRequest>("again"));
    ASSERT_TRUE(s.status.ok()) << "round " << i << ": " << s.status.ToString();
  }
}

TEST_F(LifecycleTest, SameIdInTwoNamespacesGivesTwoVms) {
  ASSERT_TRUE(client.call(Method::create_vm, create_request("twin"), "ns-a").status.ok());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("twin"), "ns-b").status.ok());
  EXPECT_TRUE(path_exists(emberd.vm_dir("ns-a", "twin")));
  EXPECT_TRUE(path_exists(emberd.vm_dir("ns-b", "twin")));
  EXPECT_EQ(children_of(emberd.pid()).size(), 2u);
  EXPECT_NE(shim_pid_of(emberd.vm_dir("ns-a", "twin")), shim_pid_of(emberd.vm_dir("ns-b", "twin")));
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("twin"), "ns-a").status.ok());
  EXPECT_TRUE(
      client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("twin"), "ns-b").status.ok());
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("twin"), "ns-b").status.ok());
}

TEST_F(LifecycleTest, ShimInheritsExactlyFdsZeroToFour) {
  ASSERT_TRUE(client.call(Method::create_vm, create_request("fds")).status.ok());
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "fds"));
  ASSERT_GT(shim, 0);
  auto fds = open_fds(shim);
  for (int fd = 0; fd <= 4; ++fd)
    ASSERT_TRUE(fds.count(fd)) << "fd " << fd;
  EXPECT_EQ(fds[0], "/dev/null");
  EXPECT_EQ(fds[3].rfind("socket:", 0), 0u) << fds[3];
  EXPECT_EQ(fds[4].rfind("socket:", 0), 0u) << fds[4];
  // Whatever else it holds, it opened itself: sockets it accepted, its event
  // loop's anon inodes. No file or pipe of emberd's leaked in.
  for (auto& [fd, target] : fds) {
    if (fd <= 4) continue;
    bool own = target.rfind("socket:", 0) == 0 || target.rfind("anon_inode:", 0) == 0;
    EXPECT_TRUE(own) << "fd " << fd << " -> " << target;
  }
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("fds")).status.ok());
}

TEST_F(LifecycleTest, SigtermLeavesShimsRunning) {
  ASSERT_TRUE(client.call(Method::create_vm, create_request("survivor")).status.ok());
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "survivor"));
  ASSERT_GT(shim, 0);
  EXPECT_EQ(emberd.stop(SIGTERM), 0);
  EXPECT_TRUE(process_alive(shim));
  EXPECT_TRUE(path_exists(emberd.vm_dir("default", "survivor")));
  // The harness kills the survivor when the test ends.
}

TEST(LifecycleStopOnExitTest, StopVmsOnExitStopsEveryVm) {
  Emberd emberd({{}, {}, {"--stop-vms-on-exit"}});
  pid_t shims[2];
  {
    FcClient client(emberd.socket());
    for (int i = 0; i < 2; ++i) {
      std::string id = "vm" + std::to_string(i);
      ASSERT_TRUE(client.call(Method::create_vm, create_request(id)).status.ok());
      shims[i] = shim_pid_of(emberd.vm_dir("default", id));
    }
  }
  EXPECT_EQ(emberd.stop(SIGTERM), 0);
  for (pid_t p : shims)
    EXPECT_FALSE(process_alive(p));
  EXPECT_TRUE(list_dir(emberd.vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
}

}  // namespace
}  // namespace ember::e2e

namespace ember::e2e {
namespace {

// log.format json: a shim's own lines carry its namespace, id and pid as
// fields, with the shim's timestamp and level; emberd's lines about a VM name it.
TEST(JsonLogTest, ShimLinesAndVmLinesCarryTheirVmAsFields) {
  EmberdOptions opts;
  opts.log_yaml = "log:\n  level: debug\n  format: json\n";
  Emberd emberd(opts);
  FcClient client{emberd.socket()};
  auto created = client.call(msg::Method::create_vm, create_request("vm1"));
  ASSERT_TRUE(created.status.ok()) << created.status.ToString() << "\n" << emberd.log();
  ASSERT_TRUE(client.call(msg::Method::stop_vm, with_id<StopVMRequest>("vm1")).status.ok());
  bool shim_line = false, vm_line = false;
  std::istringstream lines(emberd.log());
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.contains("ns")) continue;
    EXPECT_EQ(j["ns"], "default") << line;
    EXPECT_EQ(j["id"], "vm1") << line;
    if (j["source"] == "ember-shim") {
      shim_line = true;
      EXPECT_GT(j["pid"].get<int64_t>(), 1) << line;
      EXPECT_EQ(j["msg"].get<std::string>().find("ember-shim["), std::string::npos) << line;
    } else if (j["source"] == "emberd") {
      vm_line = true;
    }
  }
  EXPECT_TRUE(shim_line) << emberd.log();
  EXPECT_TRUE(vm_line) << emberd.log();
}

}  // namespace
}  // namespace ember::e2e
