#include "shimproc/shim_address.hpp"

#include <gtest/gtest.h>

namespace ember::shimproc {
namespace {

// Expected digests: sha256sum of "<address>/<namespace>/<id>".
TEST(ShimAddressTest, FollowsContainerdsFormula) {
  EXPECT_EQ(
      shim_socket_path("/run/containerd/s", "/run/containerd/containerd.sock", "default", "vm1"),
      "/run/containerd/s/cb190ff14ad3474330cfb6b4e0d8d80ead8af016f0c94085f6e40530de213813");
  EXPECT_EQ(shim_socket_path("/run/ember/s", "/run/ember/containerd.sock", "firecracker-containerd",
                             "a.b-c_d"),
            "/run/ember/s/4f00664c39af2a60e4e95ada6c63766ed0576d6554cf022cd7418ef0b8a8cf08");
}

TEST(ShimAddressTest, EveryPartChangesTheName) {
  std::string base = shim_socket_path("/s", "/c.sock", "ns", "id");
  EXPECT_NE(base, shim_socket_path("/s", "/d.sock", "ns", "id"));
  EXPECT_NE(base, shim_socket_path("/s", "/c.sock", "ns2", "id"));
  EXPECT_NE(base, shim_socket_path("/s", "/c.sock", "ns", "id2"));
}

TEST(ShimAddressTest, FccontrolSocketAppendsSuffix) {
  EXPECT_EQ(fccontrol_socket_path("/s/abc"), "/s/abc-fccontrol");
}

TEST(ShimAddressTest, UnixAddressHasTheScheme) {
  EXPECT_EQ(unix_address("/s/abc"), "unix:///s/abc");
}

TEST(ShimAddressTest, FitsInSunPathUnderContainerdsStateDir) {
  // 107 bytes is the limit; containerd's own state dir leaves room for the suffix.
  std::string path = fccontrol_socket_path(
      shim_socket_path("/run/containerd/s", "/run/containerd/containerd.sock", "default", "vm1"));
  EXPECT_LE(path.size(), 107u);
}

}  // namespace
}  // namespace ember::shimproc
