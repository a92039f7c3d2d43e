#include "shimproc/shim_address.hpp"

#include <gtest/gtest.h>

#include "shimproc/launch_contract.hpp"

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

TEST(ShimAddressTest, StateDirWithoutRoomForTheSocketsIsInvalidArgumentWithTheLimit) {
  const std::string fits = "/" + std::string(31, 's');  // 32 bytes + 75 = 107
  EXPECT_TRUE(check_socket_path_room(fits, "/run/containerd/containerd.sock").ok());
  Status s = check_socket_path_room(fits + "s", "/run/containerd/containerd.sock");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("108 bytes"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("limit of 107 bytes"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("at most 32 bytes"), std::string::npos) << s.message();
}

TEST(LaunchContractTest, StartFailureLineCarriesTheStatus) {
  Status why = Status::ResourceExhausted("write shim-state.json:\nNo space left on device");
  std::string line = start_failure_line(why);
  EXPECT_EQ(line,
            "ember-shim cannot start: RESOURCE_EXHAUSTED: write shim-state.json: No space left on "
            "device");
  Status back;
  ASSERT_TRUE(parse_start_failure(line, &back));
  EXPECT_EQ(back.code(), Code::resource_exhausted);
  EXPECT_EQ(back.message(), "write shim-state.json: No space left on device");
  EXPECT_FALSE(parse_start_failure("2026-12-01 info ember-shim[7]: serving", &back));
  EXPECT_FALSE(parse_start_failure("ember-shim cannot start: BOGUS: x", &back));
  EXPECT_FALSE(parse_start_failure("ember-shim cannot start: OK: x", &back));
}

}  // namespace
}  // namespace ember::shimproc
