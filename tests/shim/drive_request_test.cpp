// CreateVM's RootDrive and DriveMounts into a VmSpec: each field reaches the
// spec, the mounts reach the guest as ember.mount= kernel arguments, and bad
// values are INVALID_ARGUMENT naming the field.
#include "shim/drive_request.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "shim/create_request.hpp"

namespace ember::shim {
namespace {

class DriveRequestTest : public ::testing::Test {
 protected:
  DriveRequestTest() {
    cfg_.vm.kernel_image = "/k/vmlinuz";
    cfg_.vm.kernel_args = "console=ttyS0 -- init-arg";
    req_.set_vmid("vm1");
    req_.mutable_rootdrive()->set_hostpath("/img/root.ext4");
  }

  FirecrackerDriveMount* mount(const std::string& vm_path) {
    auto* m = req_.add_drivemounts();
    m->set_hostpath("/img/data.ext4");
    m->set_vmpath(vm_path);
    return m;
  }

  Status convert() { return vm_spec_from_request(req_, cfg_, &spec_); }

  // The refusal's message; fails the test unless it is INVALID_ARGUMENT.
  std::string refusal() {
    const Status s = convert();
    EXPECT_EQ(s.code(), Code::invalid_argument) << s.ToString();
    return s.message();
  }

  config::Config cfg_;
  CreateVMRequest req_;
  VmSpec spec_;
};

TEST_F(DriveRequestTest, RootDriveKeepsPartuuidCacheTypeAndRateLimiter) {
  auto* root = req_.mutable_rootdrive();
  root->set_partuuid("0eaa91a0-01");
  root->set_cachetype("Writeback");
  root->mutable_ratelimiter()->mutable_bandwidth()->set_capacity(1 << 20);
  root->mutable_ratelimiter()->mutable_bandwidth()->set_refilltime(500);
  root->mutable_ratelimiter()->mutable_ops()->set_capacity(100);
  root->mutable_ratelimiter()->mutable_ops()->set_refilltime(1000);
  root->mutable_ratelimiter()->mutable_ops()->set_onetimeburst(50);
  ASSERT_TRUE(convert().ok());
  EXPECT_EQ(spec_.root_drive_partuuid, "0eaa91a0-01");
  EXPECT_EQ(spec_.root_drive_io.cache_type, "Writeback");
  ASSERT_TRUE(spec_.root_drive_io.rate_limiter.has_value());
  const auto& r = *spec_.root_drive_io.rate_limiter;
  ASSERT_TRUE(r.bandwidth && r.ops);
  EXPECT_EQ(r.bandwidth->size, 1 << 20);
  EXPECT_EQ(r.bandwidth->refill_time_ms, 500);
  EXPECT_EQ(r.ops->size, 100);
  EXPECT_EQ(r.ops->one_time_burst, 50);
  EXPECT_EQ(spec_.kernel_args, "console=ttyS0 -- init-arg");  // no mounts, no new words
}

TEST_F(DriveRequestTest, AnEmptyRateLimiterLimitsNothing) {
  req_.mutable_rootdrive()->mutable_ratelimiter();
  ASSERT_TRUE(convert().ok());
  EXPECT_FALSE(spec_.root_drive_io.rate_limiter.has_value());
}

TEST_F(DriveRequestTest, MountsBecomeDriveSpecsAndKernelArgumentsInGuestDeviceOrder) {
  auto* data = mount("/data");
  data->set_filesystemtype("ext4");
  data->add_options("noatime");
  data->add_options("data=ordered");
  data->set_iswritable(true);
  data->set_cachetype("Unsafe");
  data->mutable_ratelimiter()->mutable_ops()->set_capacity(10);
  data->mutable_ratelimiter()->mutable_ops()->set_refilltime(100);
  mount("/srv/ro");  // not writable, no type: read-only, type detected
  ASSERT_TRUE(convert().ok());
  ASSERT_EQ(spec_.drive_mounts.size(), 2u);
  const DriveSpec& d = spec_.drive_mounts[0];
  EXPECT_EQ(d.host_path, "/img/data.ext4");
  EXPECT_TRUE(d.writable);
  EXPECT_EQ(d.vm_path, "/data");
  EXPECT_EQ(d.filesystem_type, "ext4");
  EXPECT_EQ(d.options, (std::vector<std::string>{"noatime", "data=ordered"}));
  EXPECT_EQ(d.io.cache_type, "Unsafe");
  ASSERT_TRUE(d.io.rate_limiter && d.io.rate_limiter->ops);
  EXPECT_EQ(d.io.rate_limiter->ops->size, 10);
  EXPECT_EQ(spec_.kernel_args,
            "console=ttyS0 ember.mount=vdb:/data:ext4:noatime,data=ordered "
            "ember.mount=vdc:/srv/ro::ro -- init-arg");
}

TEST_F(DriveRequestTest, WithoutARootDriveTheFirstMountIsVda) {
  req_.clear_rootdrive();
  mount("/data")->add_options("ro");
  ASSERT_TRUE(convert().ok());
  EXPECT_EQ(spec_.kernel_args, "console=ttyS0 ember.mount=vda:/data::ro -- init-arg");
}

TEST_F(DriveRequestTest, ARootDriveFromTheConfigCountsToo) {
  req_.clear_rootdrive();
  cfg_.vm.root_drive = "/img/default.ext4";
  mount("/data");
  ASSERT_TRUE(convert().ok());
  EXPECT_EQ(spec_.kernel_args, "console=ttyS0 ember.mount=vdb:/data::ro -- init-arg");
}

TEST_F(DriveRequestTest, BadPartuuidAndCacheTypeAreRefusedByName) {
  req_.mutable_rootdrive()->set_partuuid("0eaa91a0 root=/dev/sda");
  EXPECT_EQ(refusal(),
            "RootDrive.Partuuid \"0eaa91a0 root=/dev/sda\" is not a partition UUID (hex digits "
            "and '-', at most 36)");
  req_.mutable_rootdrive()->set_partuuid(std::string(37, 'a'));
  EXPECT_NE(refusal().find("RootDrive.Partuuid"), std::string::npos);
  req_.mutable_rootdrive()->clear_partuuid();
  req_.mutable_rootdrive()->set_cachetype("unsafe");
  EXPECT_EQ(refusal(), "RootDrive.CacheType \"unsafe\" is neither \"Unsafe\" nor \"Writeback\"");
  req_.mutable_rootdrive()->clear_cachetype();
  mount("/data")->set_cachetype("None");
  EXPECT_EQ(refusal(), "DriveMounts[0].CacheType \"None\" is neither \"Unsafe\" nor \"Writeback\"");
}

TEST_F(DriveRequestTest, NegativeBucketsAreRefusedByName) {
  auto* bw = req_.mutable_rootdrive()->mutable_ratelimiter()->mutable_bandwidth();
  bw->set_capacity(-1);
  EXPECT_EQ(refusal(), "RootDrive.RateLimiter.Bandwidth.Capacity -1 is negative");
  bw->set_capacity(1);
  bw->set_refilltime(-5);
  EXPECT_EQ(refusal(), "RootDrive.RateLimiter.Bandwidth.RefillTime -5 is negative");
  bw->set_refilltime(5);
  mount("/data")->mutable_ratelimiter()->mutable_ops()->set_onetimeburst(-2);
  EXPECT_EQ(refusal(), "DriveMounts[0].RateLimiter.Ops.OneTimeBurst -2 is negative");
}

TEST_F(DriveRequestTest, BadVmPathsAreRefusedByName) {
  const struct {
    const char* path;
    const char* why;
  } cases[] = {
      {"data", "is not an absolute path"},
      {"/", "is the guest's root"},
      {"/my data", "has a space, ':', '\"' or a character that is not printable ASCII"},
      {"/a:b", "has a space, ':', '\"' or a character that is not printable ASCII"},
      {"/a/../etc", "has a .. component"},
      {"/a/..", "has a .. component"},
  };
  auto* m = mount("/x");
  for (const auto& c : cases) {
    m->set_vmpath(c.path);
    EXPECT_EQ(refusal(), std::string("DriveMounts[0].VMPath \"") + c.path + "\" " + c.why);
  }
  m->set_vmpath("/a/..b");  // a name, not a component
  EXPECT_TRUE(convert().ok());
}

TEST_F(DriveRequestTest, BadFilesystemTypesAndOptionsAreRefusedByName) {
  auto* m = mount("/data");
  m->set_filesystemtype("ext4 -o exec");
  EXPECT_EQ(refusal(),
            "DriveMounts[0].FilesystemType \"ext4 -o exec\" is not a filesystem type (letters, "
            "digits, '.', '_', '-', '+'; at most 64)");
  m->set_filesystemtype("fuse.sshfs");
  m->add_options("noatime");
  m->add_options("a,b");
  EXPECT_EQ(refusal(),
            "DriveMounts[0].Options[1] \"a,b\" is not one mount option (printable ASCII without "
            "space, ',', ':' or '\"')");
  m->set_options(1, "");
  EXPECT_NE(refusal().find("DriveMounts[0].Options[1] \"\""), std::string::npos);
  m->set_options(1, "rw");
  EXPECT_EQ(refusal(),
            "DriveMounts[0].Options[1] \"rw\" asks for a writable mount of a drive that is not "
            "IsWritable");
  m->set_iswritable(true);
  EXPECT_TRUE(convert().ok());
}

TEST_F(DriveRequestTest, MoreMountsThanGuestDeviceNamesAreRefused) {
  for (int i = 0; i < kMaxGuestDrives; ++i)
    mount("/d" + std::to_string(i));
  EXPECT_EQ(refusal(),
            "DriveMounts has 26 entries; at most 25 fit beside the root drive (vda ... vdz)");
}

TEST(MountKernelArgTest, ReadOnlyIsAddedOnlyWhenNotThereAlready) {
  DriveSpec d;
  d.vm_path = "/data";
  d.filesystem_type = "ext4";
  EXPECT_EQ(mount_kernel_arg(d, "vdb"), "ember.mount=vdb:/data:ext4:ro");
  d.options = {"noatime", "ro"};
  EXPECT_EQ(mount_kernel_arg(d, "vdb"), "ember.mount=vdb:/data:ext4:noatime,ro");
  d.writable = true;
  d.options = {};
  EXPECT_EQ(mount_kernel_arg(d, "vdc"), "ember.mount=vdc:/data:ext4:");
}

}  // namespace
}  // namespace ember::shim
