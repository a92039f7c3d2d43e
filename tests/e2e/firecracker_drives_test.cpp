// End to end with the firecracker backend: emberd, its real ember-shim (which
// execs ember-shim-firecracker) and fake-firecracker, which follows
// Firecracker's published API and records every request. A CreateVM's drive
// fields arrive in PUT /drives/{id} as the API defines them, and its
// DriveMounts reach the guest's kernel command line.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "fccontrol.pb.h"
#include "shim/vmm/firecracker/firecracker_preflight.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using json = nlohmann::json;
using msg::Method;

class FirecrackerDrivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmberdOptions opts;
    opts.vmm_yaml = "vmm:\n  backend: firecracker\n  firecracker_binary: " + tree_.fake() +
                    "\nvm:\n  kernel_image: " + tree_.kernel() + "\n";
    // fake-firecracker needs no /dev/kvm; the shim's preflight is pointed
    // at a device that opens.
    opts.env = {std::string(shim::firecracker::kTestKvmDeviceEnv) + "=/dev/null"};
    emberd_ = std::make_unique<Emberd>(opts);
  }

  std::map<std::string, json> bodies() const {
    std::map<std::string, json> out;
    for (const auto& r : tree_.recorded())
      out[r.method + " " + r.path] = r.json();
    return out;
  }

  fctest::FcTree tree_;
  std::unique_ptr<Emberd> emberd_;
};

TEST_F(FirecrackerDrivesTest, DriveFieldsReachFirecrackerThroughEmberd) {
  CreateVMRequest req;
  req.set_vmid("fc1");
  req.set_kernelargs("console=ttyS0");
  auto* root = req.mutable_rootdrive();
  root->set_hostpath(tree_.rootfs());
  root->set_partuuid("0eaa91a0-01");
  root->set_cachetype("Unsafe");
  root->mutable_ratelimiter()->mutable_ops()->set_capacity(500);
  root->mutable_ratelimiter()->mutable_ops()->set_refilltime(1000);
  auto* data = req.add_drivemounts();
  data->set_hostpath(tree_.kernel());  // any existing file will do
  data->set_vmpath("/data");
  data->set_filesystemtype("ext4");
  data->add_options("noatime");
  data->set_iswritable(true);
  data->set_cachetype("Writeback");
  data->mutable_ratelimiter()->mutable_bandwidth()->set_capacity(1048576);
  data->mutable_ratelimiter()->mutable_bandwidth()->set_onetimeburst(65536);
  data->mutable_ratelimiter()->mutable_bandwidth()->set_refilltime(100);
  FcClient client(emberd_->socket());
  auto r = client.call(Method::create_vm, req.SerializeAsString());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd_->log();

  auto b = bodies();
  EXPECT_EQ(b["PUT /drives/rootfs"],
            json({{"drive_id", "rootfs"},
                  {"partuuid", "0eaa91a0-01"},
                  {"is_root_device", true},
                  {"cache_type", "Unsafe"},
                  {"is_read_only", true},
                  {"path_on_host", tree_.rootfs()},
                  {"rate_limiter", {{"ops", {{"size", 500}, {"refill_time", 1000}}}}}}));
  EXPECT_EQ(b["PUT /drives/drive1"],
            json({{"drive_id", "drive1"},
                  {"is_root_device", false},
                  {"cache_type", "Writeback"},
                  {"is_read_only", false},
                  {"path_on_host", tree_.kernel()},
                  {"rate_limiter",
                   {{"bandwidth",
                     {{"size", 1048576}, {"one_time_burst", 65536}, {"refill_time", 100}}}}}}));
  EXPECT_EQ(b["PUT /boot-source"]["boot_args"], "console=ttyS0 ember.mount=vdb:/data:ext4:noatime");
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("fc1")).status.ok());
  EXPECT_TRUE(list_dir(emberd_->vm_base_dir()).empty());
}

TEST_F(FirecrackerDrivesTest, ABadDriveFieldIsInvalidArgumentAndStartsNoFirecracker) {
  CreateVMRequest req;
  req.set_vmid("fc2");
  req.mutable_rootdrive()->set_hostpath(tree_.rootfs());
  req.mutable_rootdrive()->set_cachetype("writeback");
  FcClient client(emberd_->socket());
  auto r = client.call(Method::create_vm, req.SerializeAsString());
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message(),
            "RootDrive.CacheType \"writeback\" is neither \"Unsafe\" nor \"Writeback\"");
  EXPECT_EQ(tree_.pid(), -1);  // no firecracker was started
  EXPECT_TRUE(list_dir(emberd_->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd_->state_dir()).empty());
  EXPECT_TRUE(children_of(emberd_->pid()).empty());
}

}  // namespace
}  // namespace ember::e2e
