// Every CreateVM field a backend does not honour is refused by name.
#include "shim/unhonoured_fields.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace ember::shim {
namespace {

using config::Backend;

std::string refusal(const CreateVMRequest& req, Backend b) {
  Status s = refuse_unhonoured_fields(req, b);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), Code::unimplemented);
  return s.message();
}

FirecrackerNetworkInterface* tap_interface(CreateVMRequest& req) {
  auto* n = req.add_networkinterfaces();
  n->mutable_staticconfig()->set_hostdevname("tap0");
  return n;
}

struct Case {
  std::string field;
  std::function<void(CreateVMRequest&)> set;
  bool firecracker_honours;
};

std::vector<Case> cases() {
  return {
      {"MachineCfg.HtEnabled", [](auto& r) { r.mutable_machinecfg()->set_htenabled(true); }, true},
      {"MachineCfg.CPUTemplate", [](auto& r) { r.mutable_machinecfg()->set_cputemplate("T2"); },
       true},
      {"RootDrive.RateLimiter.Bandwidth.OneTimeBurst",
       [](auto& r) {
         r.mutable_rootdrive()->mutable_ratelimiter()->mutable_bandwidth()->set_onetimeburst(1);
       },
       true},
      {"DriveMounts[0].RateLimiter.Ops.OneTimeBurst",
       [](auto& r) {
         r.add_drivemounts()->mutable_ratelimiter()->mutable_ops()->set_onetimeburst(10);
       },
       true},
      {"NetworkInterfaces[0].CNIConfig",
       [](auto& r) { r.add_networkinterfaces()->mutable_cniconfig()->set_networkname("n"); },
       false},
      {"NetworkInterfaces[0].InRateLimiter",
       [](auto& r) {
         tap_interface(r)->mutable_inratelimiter()->mutable_bandwidth()->set_capacity(1000);
       },
       true},
      {"NetworkInterfaces[0].OutRateLimiter",
       [](auto& r) { tap_interface(r)->mutable_outratelimiter()->mutable_ops()->set_capacity(10); },
       true},
      {"ContainerCount", [](auto& r) { r.set_containercount(1); }, false},
      {"ExitAfterAllTasksDeleted", [](auto& r) { r.set_exitafteralltasksdeleted(true); }, false},
      {"JailerConfig.DriveExposePolicy",
       [](auto& r) { r.mutable_jailerconfig()->set_driveexposepolicy(BIND); }, false},
  };
}

TEST(UnhonouredFieldsTest, EachFieldAQemuVmCannotHonourIsRefusedByName) {
  for (const Case& c : cases()) {
    CreateVMRequest req;
    req.set_vmid("vm1");
    c.set(req);
    EXPECT_EQ(refusal(req, Backend::qemu),
              "CreateVMRequest." + c.field + " is not supported by the qemu backend");
    EXPECT_EQ(refusal(req, Backend::firecracker),
              c.firecracker_honours
                  ? ""
                  : "CreateVMRequest." + c.field + " is not supported by the firecracker backend");
    EXPECT_EQ(refusal(req, Backend::hollow), "") << c.field;
  }
}

TEST(UnhonouredFieldsTest, WhatEveryBackendHonoursPasses) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_machinecfg()->set_vcpucount(2);
  req.mutable_machinecfg()->set_memsizemib(256);
  req.set_kernelimagepath("/k");
  req.set_kernelargs("console=ttyS0");
  req.mutable_rootdrive()->set_hostpath("/r");
  req.mutable_rootdrive()->set_iswritable(true);
  auto* m = req.add_drivemounts();
  m->set_hostpath("/d");
  m->set_vmpath("/mnt");
  m->set_filesystemtype("ext4");
  m->add_options("noatime");
  m->set_cachetype("Writeback");
  m->mutable_ratelimiter()->mutable_ops()->set_capacity(100);
  m->mutable_ratelimiter()->mutable_ops()->set_refilltime(1000);
  req.mutable_rootdrive()->set_partuuid("0eaa91a0-01");
  req.mutable_rootdrive()->set_cachetype("Unsafe");
  req.mutable_rootdrive()->mutable_ratelimiter()->mutable_bandwidth()->set_capacity(1 << 20);
  req.mutable_balloondevice()->set_amountmib(16);
  req.set_timeoutseconds(30);
  auto* jailer = req.mutable_jailerconfig();
  jailer->set_netns("/var/run/netns/n1");
  jailer->set_uid(65534);
  jailer->set_gid(65534);
  jailer->set_cpus("0");
  jailer->set_mems("0");
  jailer->set_cgrouppath("/ember");
  req.set_logfifopath("/run/vm1-log.fifo");
  req.set_metricsfifopath("/run/vm1-metrics.fifo");
  tap_interface(req)->set_allowmmds(true);
  auto* net = req.mutable_networkinterfaces(0)->mutable_staticconfig();
  net->set_macaddress("06:00:0a:00:00:02");
  net->mutable_ipconfig()->set_primaryaddr("10.0.0.2/24");
  net->mutable_ipconfig()->set_gatewayaddr("10.0.0.1");
  net->mutable_ipconfig()->add_nameservers("10.0.0.1");
  // Present but empty rate limiters limit nothing.
  req.mutable_networkinterfaces(0)->mutable_inratelimiter();
  EXPECT_EQ(refusal(req, Backend::qemu), "");
  EXPECT_EQ(refusal(req, Backend::firecracker), "");
}

}  // namespace
}  // namespace ember::shim
