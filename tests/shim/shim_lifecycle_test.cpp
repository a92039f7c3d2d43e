// The real ember-shim binary, launched under the contract, driven over its
// fccontrol socket through a VM's whole life.
#include <gtest/gtest.h>

#include <string>

#include "fccontrol.pb.h"
#include "tests/support/shim_harness.hpp"

namespace ember::shimtest {
namespace {

class ShimLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(shim_.start({}).ok()); }

  Status create(CreateVMResponse* out = nullptr) {
    CreateVMRequest req;
    req.set_vmid("vm1");
    CreateVMResponse resp;
    return shim_.call("CreateVM", req, out != nullptr ? out : &resp);
  }
  template <class Req>
  Status call_for(const std::string& method, const std::string& vm_id) {
    Req req;
    req.set_vmid(vm_id);
    return shim_.call(method, req);
  }

  ShimUnderTest shim_;
};

// The hollow backend makes no FIFO: it reports none it did not make.
TEST_F(ShimLifecycleTest, CreateVmAnswersWithTheVmDirectoryPathsThatExist) {
  CreateVMResponse resp;
  ASSERT_TRUE(create(&resp).ok());
  EXPECT_EQ(resp.vmid(), "vm1");
  EXPECT_EQ(resp.socketpath(), shim_.vm_dir().vmm_socket_path());
  EXPECT_EQ(resp.logfifopath(), "");
  EXPECT_EQ(resp.metricsfifopath(), "");
  EXPECT_EQ(resp.cgrouppath(), "");
  EXPECT_EQ(resp.socketpath().front(), '/');
}

TEST_F(ShimLifecycleTest, RunsAVmThroughPauseResumeInfoAndStop) {
  ASSERT_TRUE(create().ok());
  PauseVMRequest pause;
  pause.set_vmid("vm1");
  EXPECT_TRUE(shim_.call("PauseVM", pause).ok());
  ResumeVMRequest resume;
  resume.set_vmid("vm1");
  EXPECT_TRUE(shim_.call("ResumeVM", resume).ok());

  GetVMInfoRequest info_req;
  info_req.set_vmid("vm1");
  GetVMInfoResponse info;
  ASSERT_TRUE(shim_.call("GetVMInfo", info_req, &info).ok());
  EXPECT_EQ(info.vmid(), "vm1");
  EXPECT_EQ(info.socketpath(), shim_.vm_dir().vmm_socket_path());
  EXPECT_EQ(info.logfifopath(), "");
  EXPECT_EQ(info.metricsfifopath(), "");
  EXPECT_EQ(info.vsockpath(), "") << "no vsock device is attached";
  EXPECT_EQ(info.cgrouppath(), "");

  StopVMRequest stop;
  stop.set_vmid("vm1");
  EXPECT_TRUE(shim_.call("StopVM", stop).ok());
  EXPECT_EQ(shim_.wait_exit(), 0) << shim_.output();
}

TEST_F(ShimLifecycleTest, StopVmRepliesBeforeTheProcessExitsWithCodeZero) {
  ASSERT_TRUE(create().ok());
  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(3);
  // The reply arrived (OK, not UNAVAILABLE from a closed connection) ...
  ASSERT_TRUE(shim_.call("StopVM", stop).ok());
  // ... and then the process ends by itself.
  EXPECT_EQ(shim_.wait_exit(), 0) << shim_.output();
  EXPECT_NE(shim_.output().find("VM stopped"), std::string::npos) << shim_.output();
}

// Issue 14: a paused VM is resumed and shut down gracefully (no longer forced).
TEST_F(ShimLifecycleTest, StopVmOfAPausedVmShutsItDownCleanly) {
  ASSERT_TRUE(create().ok());
  PauseVMRequest pause;
  pause.set_vmid("vm1");
  ASSERT_TRUE(shim_.call("PauseVM", pause).ok());
  StopVMRequest stop;
  stop.set_vmid("vm1");
  Status s = shim_.call("StopVM", stop);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(shim_.wait_exit(), 0) << shim_.output();
}

TEST_F(ShimLifecycleTest, ASecondCreateVmIsAlreadyExists) {
  ASSERT_TRUE(create().ok());
  Status s = create();
  EXPECT_EQ(s.code(), Code::already_exists);
  EXPECT_EQ(s.message(), "VM vm1 already exists");
}

TEST_F(ShimLifecycleTest, EveryMethodRefusesAnotherVmIdWithNotFound) {
  ASSERT_TRUE(create().ok());
  const std::vector<std::pair<std::string, Status>> results = {
      {"CreateVM", call_for<CreateVMRequest>("CreateVM", "other")},
      {"PauseVM", call_for<PauseVMRequest>("PauseVM", "other")},
      {"ResumeVM", call_for<ResumeVMRequest>("ResumeVM", "other")},
      {"StopVM", call_for<StopVMRequest>("StopVM", "other")},
      {"GetVMInfo", call_for<GetVMInfoRequest>("GetVMInfo", "other")},
      {"SetVMMetadata", call_for<SetVMMetadataRequest>("SetVMMetadata", "other")},
      {"UpdateVMMetadata", call_for<UpdateVMMetadataRequest>("UpdateVMMetadata", "other")},
      {"GetVMMetadata", call_for<GetVMMetadataRequest>("GetVMMetadata", "other")},
      {"GetBalloonConfig", call_for<GetBalloonConfigRequest>("GetBalloonConfig", "other")},
      {"UpdateBalloon", call_for<UpdateBalloonRequest>("UpdateBalloon", "other")},
      {"GetBalloonStats", call_for<GetBalloonStatsRequest>("GetBalloonStats", "other")},
      {"UpdateBalloonStats", call_for<UpdateBalloonStatsRequest>("UpdateBalloonStats", "other")},
  };
  for (const auto& [method, s] : results) {
    EXPECT_EQ(s.code(), Code::not_found) << method;
    EXPECT_EQ(s.message(), "VM other not found") << method;
  }
  // The VM itself is untouched.
  GetVMInfoRequest info;
  info.set_vmid("vm1");
  EXPECT_TRUE(shim_.call("GetVMInfo", info).ok());
}

TEST_F(ShimLifecycleTest, EveryCallBeforeCreateVmIsNotFound) {
  const std::vector<std::pair<std::string, Status>> results = {
      {"PauseVM", call_for<PauseVMRequest>("PauseVM", "vm1")},
      {"ResumeVM", call_for<ResumeVMRequest>("ResumeVM", "vm1")},
      {"StopVM", call_for<StopVMRequest>("StopVM", "vm1")},
      {"GetVMInfo", call_for<GetVMInfoRequest>("GetVMInfo", "vm1")},
      {"SetVMMetadata", call_for<SetVMMetadataRequest>("SetVMMetadata", "vm1")},
      {"UpdateVMMetadata", call_for<UpdateVMMetadataRequest>("UpdateVMMetadata", "vm1")},
      {"GetVMMetadata", call_for<GetVMMetadataRequest>("GetVMMetadata", "vm1")},
      {"GetBalloonConfig", call_for<GetBalloonConfigRequest>("GetBalloonConfig", "vm1")},
      {"UpdateBalloon", call_for<UpdateBalloonRequest>("UpdateBalloon", "vm1")},
      {"GetBalloonStats", call_for<GetBalloonStatsRequest>("GetBalloonStats", "vm1")},
      {"UpdateBalloonStats", call_for<UpdateBalloonStatsRequest>("UpdateBalloonStats", "vm1")},
  };
  for (const auto& [method, s] : results) {
    EXPECT_EQ(s.code(), Code::not_found) << method;
    EXPECT_EQ(s.message(), "VM vm1 is not created") << method;
  }
  // The shim is still serving and can create the VM afterwards.
  EXPECT_TRUE(create().ok());
}

TEST_F(ShimLifecycleTest, ARequestFromAnotherNamespaceIsNotFound) {
  ASSERT_TRUE(create().ok());
  GetVMInfoRequest info;
  info.set_vmid("vm1");
  ttrpc::CallOptions opts;
  opts.metadata = {{ttrpc::kNamespaceKey, "ns2"}};
  Status s = shim_.call("GetVMInfo", info, nullptr, opts);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "VM vm1 not found in namespace ns2");
  opts.metadata = {{ttrpc::kNamespaceKey, "ns1"}};
  EXPECT_TRUE(shim_.call("GetVMInfo", info, nullptr, opts).ok());
}

TEST_F(ShimLifecycleTest, AnInvalidCreateVmIsRefusedAndCanBeCorrected) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_machinecfg()->set_vcpucount(33);
  Status s = shim_.call("CreateVM", req);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "MachineCfg.VcpuCount 33 exceeds the maximum of 32");
  req.mutable_machinecfg()->set_vcpucount(2);
  EXPECT_TRUE(shim_.call("CreateVM", req).ok());
}

TEST_F(ShimLifecycleTest, AnUndecodablePayloadIsInvalidArgument) {
  // Field 1 announces 5 bytes but only 2 follow.
  Status s = shim_.call_bytes("GetVMInfo", std::string("\x0a\x05vm", 4));
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "cannot decode GetVMInfoRequest");
}

TEST_F(ShimLifecycleTest, TheTaskSocketAnswersEveryCallUnimplemented) {
  Status s = shim_.call_task("containerd.task.v2.Task", "Create");
  EXPECT_EQ(s.code(), Code::unimplemented) << s.ToString();
  s = shim_.call_task("Firecracker", "CreateVM");
  EXPECT_EQ(s.code(), Code::unimplemented) << s.ToString();
}

TEST_F(ShimLifecycleTest, AnUnknownFccontrolMethodIsUnimplemented) {
  GetVMInfoRequest req;
  req.set_vmid("vm1");
  EXPECT_EQ(shim_.call("RebootVM", req).code(), Code::unimplemented);
}

}  // namespace
}  // namespace ember::shimtest

namespace ember::shimtest {
namespace {

// firecracker-containerd starts its shim with -namespace and -address only,
// the VM id in FIRECRACKER_VM_ID and FCCONTROL_SOCKET_FD=4: ember-shim serves
// such a launch like its own.
TEST(ShimSeedLaunchTest, ServesAVmLaunchedExactlyAsTheSeedLaunchesItsShim) {
  ShimUnderTest shim;
  ShimOptions opts;
  opts.seed_launch = true;
  ASSERT_TRUE(shim.start(opts).ok());
  CreateVMRequest create;
  create.set_vmid("vm1");
  CreateVMResponse created;
  ASSERT_TRUE(shim.call("CreateVM", create, &created).ok());
  EXPECT_EQ(created.vmid(), "vm1");
  GetVMInfoRequest info_req;
  info_req.set_vmid("vm1");
  GetVMInfoResponse info;
  ASSERT_TRUE(shim.call("GetVMInfo", info_req, &info).ok());
  EXPECT_EQ(info.vmid(), "vm1");
  EXPECT_EQ(info.socketpath(), shim.vm_dir().vmm_socket_path());
}

}  // namespace
}  // namespace ember::shimtest
