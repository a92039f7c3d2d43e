#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace ember::config {
namespace {

TEST(DefaultsTest, RootGetsSystemDirectories) {
  Config c = defaults_for(0, "/run/user/0");
  EXPECT_EQ(c.socket, "/run/ember/ember.sock");
  EXPECT_EQ(c.state_dir, "/run/ember/s");
  EXPECT_EQ(c.shim_base_dir, "/var/lib/ember");
  EXPECT_EQ(c.source, "");
}

TEST(DefaultsTest, UserWithRuntimeDirGetsItsEmberSubdirectory) {
  Config c = defaults_for(1000, "/run/user/1000");
  EXPECT_EQ(c.socket, "/run/user/1000/ember/ember.sock");
  EXPECT_EQ(c.state_dir, "/run/user/1000/ember/s");
  EXPECT_EQ(c.shim_base_dir, "/run/user/1000/ember/vm");
}

TEST(DefaultsTest, UserWithoutUsableRuntimeDirFallsBackToTmp) {
  for (const char* xdg : {static_cast<const char*>(nullptr), "", "relative/dir"}) {
    Config c = defaults_for(1234, xdg);
    EXPECT_EQ(c.socket, "/tmp/ember-1234/ember.sock") << (xdg ? xdg : "(unset)");
    EXPECT_EQ(c.state_dir, "/tmp/ember-1234/s");
    EXPECT_EQ(c.shim_base_dir, "/tmp/ember-1234/vm");
  }
}

TEST(DefaultsTest, EverythingElseHasTheDocumentedDefault) {
  Config c = defaults_for(0, nullptr);
  EXPECT_EQ(c.containerd_address, "/run/containerd/containerd.sock");
  EXPECT_EQ(c.shim_binary, "");
  EXPECT_FALSE(c.stop_vms_on_exit);
  EXPECT_EQ(c.vmm.backend, Backend::qemu);
  EXPECT_EQ(c.vmm.qemu_binary, "qemu-system-x86_64");
  EXPECT_EQ(c.vmm.firecracker_binary, "firecracker");
  EXPECT_EQ(c.vm.kernel_image, "/var/cache/ember/guest/vmlinux");
  EXPECT_EQ(c.vm.kernel_args, "console=ttyS0 panic=-1 quiet");
  EXPECT_EQ(c.vm.root_drive, "");
  EXPECT_EQ(c.vm.vcpus, 1u);
  EXPECT_EQ(c.vm.memory_mib, 128u);
  EXPECT_EQ(c.limits.max_vms, 4096u);
  EXPECT_EQ(c.limits.max_concurrent_creates, 64u);
  EXPECT_EQ(c.limits.connection.max_in_flight, 16u);
  EXPECT_EQ(c.limits.connection.max_queued_reply_bytes, 1048576u);
  EXPECT_EQ(c.limits.connection.max_request_bytes, 4194304u);
  EXPECT_EQ(c.limits.connection.requests_per_turn, 4u);
  EXPECT_TRUE(c.limits.connection.share_in_flight);
  EXPECT_EQ(c.limits.max_buffered_request_bytes, 67108864u);
  EXPECT_EQ(c.timeouts.create_vm_seconds, 60u);
  EXPECT_EQ(c.timeouts.stop_vm_seconds, 5u);
  EXPECT_EQ(c.timeouts.call_wait_seconds, 5u);
  EXPECT_EQ(c.timeouts.call_seconds, 30u);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, LogFormat::text);
}

TEST(DefaultsTest, EnumsPrintAsTheirConfigSpelling) {
  EXPECT_STREQ(to_string(Backend::qemu), "qemu");
  EXPECT_STREQ(to_string(Backend::firecracker), "firecracker");
  EXPECT_STREQ(to_string(Backend::hollow), "hollow");
  EXPECT_STREQ(to_string(LogFormat::text), "text");
  EXPECT_STREQ(to_string(LogFormat::json), "json");
}

}  // namespace
}  // namespace ember::config

namespace ember::config {
namespace {

TEST(DefaultsTest, GuestImageDirFollowsTheXdgCacheRules) {
  EXPECT_EQ(guest_image_dir(0, "/x", "/home/u"), "/var/cache/ember/guest");
  EXPECT_EQ(guest_image_dir(1000, "/cache", "/home/u"), "/cache/ember/guest");
  EXPECT_EQ(guest_image_dir(1000, nullptr, "/home/u"), "/home/u/.cache/ember/guest");
  EXPECT_EQ(guest_image_dir(1000, "relative", "/home/u"), "/home/u/.cache/ember/guest");
  EXPECT_EQ(guest_image_dir(1000, nullptr, nullptr), "/tmp/ember-1000/guest");
}

}  // namespace
}  // namespace ember::config
