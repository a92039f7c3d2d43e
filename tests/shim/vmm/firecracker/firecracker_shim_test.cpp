// The real ember-shim binary with the firecracker backend, driving
// fake-firecracker as its VMM, over its fccontrol socket. /dev/kvm is
// replaced by the test-only EMBER_TEST_KVM_DEVICE (inherited by the shim).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "shim/vmm/firecracker/firecracker_preflight.hpp"
#include "shimproc/shim_state.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"
#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {
namespace {

using json = nlohmann::json;

class FirecrackerShimTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv(shim::firecracker::kTestKvmDeviceEnv, "/dev/null", 1); }
  void TearDown() override { ::unsetenv(shim::firecracker::kTestKvmDeviceEnv); }

  Status start(const std::string& binary) {
    ShimOptions o;
    o.config_yaml = "vmm:\n  backend: firecracker\n  firecracker_binary: " + binary +
                    "\nvm:\n  memory_mib: 256\n  kernel_image: " + tree_.kernel() + "\n";
    return shim_.start(o);
  }

  Status create(const std::string& kernel = "") {
    CreateVMRequest req;
    req.set_vmid("vm1");
    if (!kernel.empty()) req.set_kernelimagepath(kernel);
    auto* balloon = req.mutable_balloondevice();
    balloon->set_amountmib(64);
    balloon->set_statspollingintervals(1);
    CreateVMResponse resp;
    return shim_.call("CreateVM", req, &resp);
  }

  template <class Req>
  Req for_vm() {
    Req r;
    r.set_vmid("vm1");
    return r;
  }

  // Names in the VM directory that belong to the VMM.
  std::vector<std::string> vmm_files() {
    std::vector<std::string> out;
    for (const char* name : {"firecracker.sock", "fc-logs.fifo", "fc-metrics.fifo"}) {
      if (::access((shim_.vm_dir().path() + "/" + name).c_str(), F_OK) == 0) out.push_back(name);
    }
    return out;
  }

  // The shim's output once it exited (reading it earlier would wait for that).
  std::string output() { return shim_.running() ? "(shim still running)" : shim_.output(); }

  fctest::FcTree tree_;
  ShimUnderTest shim_;
};

// ember-shim hands the VM to ember-shim-firecracker by exec: same pid, and
// serving on the sockets it inherited (the harness's call went through them).
TEST_F(FirecrackerShimTest, EmberShimExecsEmberShimFirecrackerUnderItsOwnPid) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  EXPECT_EQ(shim_.call("GetVMInfo", for_vm<GetVMInfoRequest>()).code(), Code::not_found);
  const std::string exe =
      std::filesystem::read_symlink("/proc/" + std::to_string(shim_.pid()) + "/exe");
  EXPECT_EQ(exe, std::filesystem::path(EMBER_SHIM_BINARY).parent_path() / "ember-shim-firecracker");
  shimproc::ShimState state;
  const std::string text = read_file(shim_.vm_dir().state_path()).value_or("");
  ASSERT_TRUE(shimproc::from_json(text, &state).ok()) << text;
  EXPECT_EQ(state.pid, shim_.pid());
  EXPECT_EQ(state.backend, "firecracker");
}

TEST_F(FirecrackerShimTest, RunsAVmThroughItsWholeLife) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_balloondevice()->set_amountmib(64);
  req.mutable_balloondevice()->set_statspollingintervals(1);
  CreateVMResponse created;
  const Status s = shim_.call("CreateVM", req, &created);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.socketpath(), shim_.vm_dir().vmm_socket_path());
  EXPECT_EQ(created.logfifopath(), shim_.vm_dir().vmm_log_fifo_path());
  EXPECT_EQ(created.metricsfifopath(), shim_.vm_dir().metrics_fifo_path());
  EXPECT_EQ(vmm_files(),
            (std::vector<std::string>{"firecracker.sock", "fc-logs.fifo", "fc-metrics.fifo"}));

  EXPECT_TRUE(shim_.call("PauseVM", for_vm<PauseVMRequest>()).ok());
  EXPECT_TRUE(shim_.call("ResumeVM", for_vm<ResumeVMRequest>()).ok());

  auto set = for_vm<SetVMMetadataRequest>();
  set.set_metadata(R"({"a": 1, "b": {"c": 2}})");
  EXPECT_TRUE(shim_.call("SetVMMetadata", set).ok());
  auto update = for_vm<UpdateVMMetadataRequest>();
  update.set_metadata(R"({"b": {"c": null, "d": 3}})");
  EXPECT_TRUE(shim_.call("UpdateVMMetadata", update).ok());
  GetVMMetadataResponse meta;
  ASSERT_TRUE(shim_.call("GetVMMetadata", for_vm<GetVMMetadataRequest>(), &meta).ok());
  EXPECT_EQ(json::parse(meta.metadata()), json({{"a", 1}, {"b", {{"d", 3}}}}));

  auto balloon = for_vm<UpdateBalloonRequest>();
  balloon.set_amountmib(32);
  EXPECT_TRUE(shim_.call("UpdateBalloon", balloon).ok());
  GetBalloonStatsResponse stats;
  ASSERT_TRUE(shim_.call("GetBalloonStats", for_vm<GetBalloonStatsRequest>(), &stats).ok());
  EXPECT_EQ(stats.targetmib(), 32);
  EXPECT_EQ(stats.totalmemory(), 256ll << 20);
  GetBalloonConfigResponse config;
  ASSERT_TRUE(shim_.call("GetBalloonConfig", for_vm<GetBalloonConfigRequest>(), &config).ok());
  EXPECT_EQ(config.balloonconfig().amountmib(), 32);

  const pid_t vmm = tree_.pid();
  EXPECT_TRUE(shim_.call("StopVM", for_vm<StopVMRequest>()).ok());
  EXPECT_EQ(shim_.wait_exit(), 0) << output();
  EXPECT_TRUE(fctest::wait_gone(vmm));
  EXPECT_TRUE(vmm_files().empty());
  // Firecracker's log reached the shim's.
  EXPECT_NE(output().find("firecracker: [anonymous-instance:fc_api:INFO]"), std::string::npos)
      << output();

  // Metadata went through MMDS: Set = PUT, Update = PATCH, Get = GET.
  std::vector<std::string> mmds;
  for (const auto& c : tree_.recorded()) {
    if (c.path == "/mmds") mmds.push_back(c.method + " " + c.body);
  }
  EXPECT_EQ(mmds, (std::vector<std::string>{"PUT {}", R"(PUT {"a": 1, "b": {"c": 2}})",
                                            R"(PATCH {"b": {"c": null, "d": 3}})", "GET "}));
}

// A namespace made by the test (no tap: the fake opens none), deleted at the end.
class TestNetns {
 public:
  TestNetns() : name_("ember-fc-" + std::to_string(::getpid())) {}
  ~TestNetns() { (void)!std::system(("ip netns del " + name_ + " 2>/dev/null").c_str()); }
  bool create() { return std::system(("timeout 30 ip netns add " + name_).c_str()) == 0; }
  std::string path() const { return "/var/run/netns/" + name_; }

 private:
  std::string name_;
};

ino_t inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(FirecrackerShimTest, StaticNetworkInterfaceIsPutAndItsIpConfigBootsAsTheKernelsIp) {
  if (::geteuid() != 0 || std::system("ip -V >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "needs root and ip (iproute2) to make a network namespace";
  }
  TestNetns ns;
  ASSERT_TRUE(ns.create());
  ASSERT_TRUE(start(tree_.fake()).ok());
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.set_kernelargs("console=ttyS0");
  auto* n = req.add_networkinterfaces();
  n->set_allowmmds(true);
  n->mutable_outratelimiter()->mutable_ops()->set_capacity(100);
  n->mutable_outratelimiter()->mutable_ops()->set_refilltime(1000);
  auto* c = n->mutable_staticconfig();
  c->set_hostdevname("tap0");
  c->set_macaddress("06:00:0a:00:00:02");
  c->mutable_ipconfig()->set_primaryaddr("10.0.0.2/24");
  c->mutable_ipconfig()->set_gatewayaddr("10.0.0.1");
  c->mutable_ipconfig()->add_nameservers("1.1.1.1");
  req.mutable_jailerconfig()->set_netns(ns.path());
  ASSERT_TRUE(shim_.call("CreateVM", req).ok()) << output();
  EXPECT_EQ(inode("/proc/" + std::to_string(tree_.pid()) + "/ns/net"), inode(ns.path()));
  EXPECT_EQ(inode("/proc/" + std::to_string(shim_.pid()) + "/ns/net"), inode("/proc/self/ns/net"));

  std::map<std::string, json> bodies;
  for (const auto& r : tree_.recorded())
    bodies[r.method + " " + r.path] = r.json();
  EXPECT_EQ(bodies["PUT /boot-source"]["boot_args"],
            "console=ttyS0 ip=10.0.0.2::10.0.0.1:255.255.255.0:::off:1.1.1.1::");
  EXPECT_EQ(bodies["PUT /network-interfaces/1"],
            json({{"guest_mac", "06:00:0a:00:00:02"},
                  {"host_dev_name", "tap0"},
                  {"iface_id", "1"},
                  {"tx_rate_limiter", {{"ops", {{"size", 100}, {"refill_time", 1000}}}}}}));
  EXPECT_EQ(bodies["PUT /mmds/config"],
            json({{"version", "V1"}, {"network_interfaces", json::array({"1"})}}));
  auto stop = for_vm<StopVMRequest>();
  EXPECT_TRUE(shim_.call("StopVM", stop).ok());
}

TEST_F(FirecrackerShimTest, DriveFieldsArePutAsTheApiHasThemAndMountsBootAsKernelArgs) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.set_kernelargs("console=ttyS0");
  auto* root = req.mutable_rootdrive();
  root->set_hostpath(tree_.rootfs());
  root->set_partuuid("0eaa91a0-01");
  root->set_cachetype("Writeback");
  root->mutable_ratelimiter()->mutable_bandwidth()->set_capacity(1048576);
  root->mutable_ratelimiter()->mutable_bandwidth()->set_refilltime(100);
  root->mutable_ratelimiter()->mutable_bandwidth()->set_onetimeburst(4096);
  auto* data = req.add_drivemounts();
  data->set_hostpath(tree_.kernel());  // any existing file will do
  data->set_vmpath("/data");
  data->set_filesystemtype("ext4");
  data->add_options("noatime");
  data->set_cachetype("Unsafe");
  data->mutable_ratelimiter()->mutable_ops()->set_capacity(100);
  data->mutable_ratelimiter()->mutable_ops()->set_refilltime(1000);
  ASSERT_TRUE(shim_.call("CreateVM", req).ok()) << output();

  std::map<std::string, json> bodies;
  for (const auto& r : tree_.recorded())
    bodies[r.method + " " + r.path] = r.json();
  EXPECT_EQ(bodies["PUT /drives/rootfs"],
            json({{"drive_id", "rootfs"},
                  {"partuuid", "0eaa91a0-01"},
                  {"is_root_device", true},
                  {"cache_type", "Writeback"},
                  {"is_read_only", true},
                  {"path_on_host", tree_.rootfs()},
                  {"rate_limiter",
                   {{"bandwidth",
                     {{"size", 1048576}, {"one_time_burst", 4096}, {"refill_time", 100}}}}}}));
  EXPECT_EQ(bodies["PUT /drives/drive1"],
            json({{"drive_id", "drive1"},
                  {"is_root_device", false},
                  {"cache_type", "Unsafe"},
                  {"is_read_only", true},
                  {"path_on_host", tree_.kernel()},
                  {"rate_limiter", {{"ops", {{"size", 100}, {"refill_time", 1000}}}}}}));
  EXPECT_EQ(bodies["PUT /boot-source"]["boot_args"],
            "console=ttyS0 ember.mount=vdb:/data:ext4:ro,noatime");
  EXPECT_TRUE(shim_.call("StopVM", for_vm<StopVMRequest>()).ok());
}

TEST_F(FirecrackerShimTest, ABadDriveFieldIsRefusedByNameAndStartsNothing) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  CreateVMRequest req;
  req.set_vmid("vm1");
  auto* data = req.add_drivemounts();
  data->set_hostpath(tree_.kernel());
  data->set_vmpath("data");
  const Status s = shim_.call("CreateVM", req);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "DriveMounts[0].VMPath \"data\" is not an absolute path");
  EXPECT_EQ(tree_.pid(), -1);
  EXPECT_TRUE(vmm_files().empty());
  EXPECT_TRUE(shim_.running());
}

TEST_F(FirecrackerShimTest, StopVmKillsAGuestThatIgnoresCtrlAltDel) {
  ASSERT_TRUE(start(tree_.fake("fc", "--ignore-ctrl-alt-del")).ok());
  ASSERT_TRUE(create().ok());
  const pid_t vmm = tree_.pid();
  auto stop = for_vm<StopVMRequest>();
  stop.set_timeoutseconds(1);
  const Status s = shim_.call("StopVM", stop);
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "forcefully terminated VM vm1");
  EXPECT_EQ(shim_.wait_exit(), 0) << output();
  EXPECT_TRUE(fctest::wait_gone(vmm));
  EXPECT_TRUE(vmm_files().empty());
}

TEST_F(FirecrackerShimTest, AFirecrackerFaultReachesTheCallerAndACorrectedCreateSucceeds) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  const Status s = create(tree_.path() + "/missing-vmlinux");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(),
            "firecracker PUT /boot-source: Boot source error: The kernel file cannot be opened: "
            "No such file or directory (os error 2)");
  EXPECT_TRUE(fctest::wait_gone(tree_.pid()));
  EXPECT_TRUE(vmm_files().empty());
  EXPECT_TRUE(shim_.running());
  const Status again = create();
  EXPECT_TRUE(again.ok()) << again.ToString();
}

TEST_F(FirecrackerShimTest, CreateVmWithAMissingBinaryIsNotFoundAndLeavesNothing) {
  ASSERT_TRUE(start(tree_.path() + "/missing/firecracker").ok());
  const Status s = create();
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_NE(s.message().find("firecracker binary " + tree_.path() + "/missing/firecracker"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(vmm_files().empty());
  EXPECT_TRUE(shim_.running());
}

TEST_F(FirecrackerShimTest, CreateVmWithoutKvmIsAFailedPreconditionAndStartsNothing) {
  ::setenv(shim::firecracker::kTestKvmDeviceEnv, (tree_.path() + "/no-kvm").c_str(), 1);
  ASSERT_TRUE(start(tree_.fake()).ok());
  const Status s = create();
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message().rfind("firecracker backend needs /dev/kvm", 0), 0u) << s.message();
  EXPECT_EQ(tree_.pid(), -1);
  EXPECT_TRUE(vmm_files().empty());
}

TEST_F(FirecrackerShimTest, AVmmThatDiesEndsTheShim) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  ASSERT_TRUE(create().ok());
  ASSERT_EQ(::kill(tree_.pid(), SIGKILL), 0);
  EXPECT_EQ(shim_.wait_exit(), 1) << output();
  EXPECT_NE(output().find("firecracker killed by signal 9 (Killed) unexpectedly"),
            std::string::npos)
      << output();
  EXPECT_TRUE(vmm_files().empty());
}

TEST_F(FirecrackerShimTest, KillingTheShimKillsFirecracker) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  ASSERT_TRUE(create().ok());
  const pid_t vmm = tree_.pid();
  ASSERT_EQ(::kill(shim_.pid(), SIGKILL), 0);
  EXPECT_EQ(shim_.wait_exit(), -1);
  EXPECT_TRUE(fctest::wait_gone(vmm));
}

// The whole request path of the fields firecracker-containerd hands to its
// jailer and to Firecracker's logger and metrics: accepted, PUT as given,
// reported, and nothing left after StopVM.
TEST_F(FirecrackerShimTest, FifoPathsAndJailerFieldsReachFirecrackerAndAreReported) {
  ASSERT_TRUE(start(tree_.fake()).ok());
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.set_logfifopath(tree_.path() + "/vm1-log.fifo");
  req.set_metricsfifopath(tree_.path() + "/vm1-metrics.fifo");
  req.mutable_jailerconfig()->set_cpus("0");
  const bool cgroups = ::geteuid() == 0 && ::access("/sys/fs/cgroup", W_OK) == 0;
  const std::string cgroup = "/ember-fc-shim-" + std::to_string(::getpid());
  if (cgroups) req.mutable_jailerconfig()->set_cgrouppath(cgroup);
  CreateVMResponse created;
  const Status s = shim_.call("CreateVM", req, &created);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.logfifopath(), req.logfifopath());
  EXPECT_EQ(created.metricsfifopath(), req.metricsfifopath());
  EXPECT_EQ(created.cgrouppath(), cgroups ? cgroup + "/vm1" : "");
  const auto calls = tree_.recorded();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0].path, "/logger");
  EXPECT_EQ(calls[0].json()["log_path"], req.logfifopath()) << calls[0].body;
  EXPECT_EQ(calls[1].path, "/metrics");
  EXPECT_EQ(calls[1].json(), json({{"metrics_path", req.metricsfifopath()}})) << calls[1].body;
  const std::string status =
      read_file("/proc/" + std::to_string(tree_.pid()) + "/status").value_or("");
  EXPECT_NE(status.find("\nCpus_allowed_list:\t0\n"), std::string::npos) << status;
  if (cgroups) {
    const std::string in =
        read_file("/proc/" + std::to_string(tree_.pid()) + "/cgroup").value_or("");
    EXPECT_NE(in.find(":" + cgroup + "/vm1\n"), std::string::npos) << in;
  }
  GetVMInfoResponse info;
  ASSERT_TRUE(shim_.call("GetVMInfo", for_vm<GetVMInfoRequest>(), &info).ok());
  EXPECT_EQ(info.logfifopath(), req.logfifopath());
  EXPECT_EQ(info.cgrouppath(), created.cgrouppath());

  EXPECT_TRUE(shim_.call("StopVM", for_vm<StopVMRequest>()).ok());
  EXPECT_EQ(shim_.wait_exit(), 0) << output();
  EXPECT_NE(::access(req.logfifopath().c_str(), F_OK), 0);
  EXPECT_NE(::access(req.metricsfifopath().c_str(), F_OK), 0);
  if (cgroups) {
    EXPECT_NE(::access(("/sys/fs/cgroup/cpuset" + cgroup).c_str(), F_OK), 0);
  }
}

}  // namespace
}  // namespace ember::shimtest
