#include "shim/create_request.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace ember::shim {
namespace {

class CreateRequestTest : public ::testing::Test {
 protected:
  CreateRequestTest() {
    cfg_.vm.vcpus = 2;
    cfg_.vm.memory_mib = 256;
    cfg_.vm.kernel_image = "/k/vmlinuz";
    cfg_.vm.kernel_args = "console=ttyS0";
    cfg_.timeouts.create_vm_seconds = 42;
    req_.set_vmid("vm1");
  }

  Status convert() { return vm_spec_from_request(req_, cfg_, &spec_); }

  config::Config cfg_;
  CreateVMRequest req_;
  VmSpec spec_;
};

TEST_F(CreateRequestTest, FillsZeroValuesFromTheConfig) {
  ASSERT_TRUE(convert().ok());
  EXPECT_EQ(spec_.vm_id, "vm1");
  EXPECT_EQ(spec_.vcpus, 2u);
  EXPECT_EQ(spec_.memory_mib, 256u);
  EXPECT_EQ(spec_.kernel_image, "/k/vmlinuz");
  EXPECT_EQ(spec_.kernel_args, "console=ttyS0");
  EXPECT_EQ(spec_.create_timeout, std::chrono::seconds(42));
  EXPECT_FALSE(spec_.balloon.has_value());
}

TEST_F(CreateRequestTest, KeepsExplicitValues) {
  req_.mutable_machinecfg()->set_vcpucount(4);
  req_.mutable_machinecfg()->set_memsizemib(512);
  req_.set_kernelimagepath("/other");
  req_.set_kernelargs("quiet");
  req_.mutable_rootdrive()->set_hostpath("/root.ext4");
  req_.mutable_rootdrive()->set_iswritable(true);
  req_.set_timeoutseconds(7);
  auto* balloon = req_.mutable_balloondevice();
  balloon->set_amountmib(100);
  balloon->set_deflateonoom(true);
  balloon->set_statspollingintervals(3);
  ASSERT_TRUE(convert().ok());
  EXPECT_EQ(spec_.vcpus, 4u);
  EXPECT_EQ(spec_.memory_mib, 512u);
  EXPECT_EQ(spec_.kernel_image, "/other");
  EXPECT_EQ(spec_.kernel_args, "quiet");
  EXPECT_EQ(spec_.root_drive, "/root.ext4");
  EXPECT_TRUE(spec_.root_drive_writable);
  EXPECT_EQ(spec_.create_timeout, std::chrono::seconds(7));
  ASSERT_TRUE(spec_.balloon.has_value());
  EXPECT_EQ(spec_.balloon->amount_mib, 100);
  EXPECT_TRUE(spec_.balloon->deflate_on_oom);
  EXPECT_EQ(spec_.balloon->stats_polling_interval_s, 3);
}

TEST_F(CreateRequestTest, AcceptsThirtyTwoVcpusButNotMore) {
  req_.mutable_machinecfg()->set_vcpucount(32);
  EXPECT_TRUE(convert().ok());
  req_.mutable_machinecfg()->set_vcpucount(33);
  Status s = convert();
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "MachineCfg.VcpuCount 33 exceeds the maximum of 32");
}

TEST_F(CreateRequestTest, RefusesAnOddVcpuCountWithHyperthreading) {
  req_.mutable_machinecfg()->set_htenabled(true);
  req_.mutable_machinecfg()->set_vcpucount(3);
  Status s = convert();
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "MachineCfg.VcpuCount 3 must be 1 or even when HtEnabled is set");
  req_.mutable_machinecfg()->set_vcpucount(1);
  EXPECT_TRUE(convert().ok());
}

TEST_F(CreateRequestTest, RefusesMoreMemoryThanTheMaximum) {
  req_.mutable_machinecfg()->set_memsizemib(kMaxMemoryMib + 1);
  EXPECT_EQ(convert().code(), Code::invalid_argument);
}

TEST_F(CreateRequestTest, RefusesANegativeContainerCount) {
  req_.set_containercount(-1);
  EXPECT_EQ(convert().code(), Code::invalid_argument);
}

TEST_F(CreateRequestTest, RefusesDrivesWithoutPaths) {
  req_.mutable_rootdrive();
  EXPECT_EQ(convert().message(), "RootDrive.HostPath is empty");
  req_.mutable_rootdrive()->set_hostpath("/r");
  auto* mount = req_.add_drivemounts();
  mount->set_hostpath("/h");
  EXPECT_EQ(convert().message(), "DriveMounts[0].VMPath is empty");
  mount->set_vmpath("/mnt");
  mount->clear_hostpath();
  EXPECT_EQ(convert().message(), "DriveMounts[0].HostPath is empty");
}

TEST_F(CreateRequestTest, RefusesABalloonLargerThanTheVm) {
  req_.mutable_balloondevice()->set_amountmib(257);
  Status s = convert();
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "BalloonDevice: balloon AmountMib 257 exceeds the VM's memory of 256 MiB");
}

TEST_F(CreateRequestTest, RefusesANegativeBalloonPollingInterval) {
  req_.mutable_balloondevice()->set_statspollingintervals(-1);
  EXPECT_EQ(convert().code(), Code::invalid_argument);
}

TEST_F(CreateRequestTest, AnEmptyBalloonMessageIsAZeroSizedDevice) {
  req_.mutable_balloondevice();
  ASSERT_TRUE(convert().ok());
  ASSERT_TRUE(spec_.balloon.has_value());
  EXPECT_EQ(spec_.balloon->amount_mib, 0);
}

}  // namespace
}  // namespace ember::shim
