#include "shim/shim_args.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shimproc/launch_env.hpp"

namespace ember::shim {
namespace {

ShimArgs parse_ok(const std::vector<std::string>& argv) {
  ShimArgs args;
  Status s = parse_shim_args(argv, &args);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return args;
}

std::string parse_error(const std::vector<std::string>& argv) {
  ShimArgs args;
  Status s = parse_shim_args(argv, &args);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  return s.message();
}

// The launch contract from both ends: what emberd passes is what the shim reads.
TEST(ShimArgsTest, ParsesWhatEmberdPasses) {
  ShimArgs args;
  ASSERT_TRUE(
      parse_shim_args(shimproc::shim_arguments("ns1", "vm1", "/run/c.sock", "/etc/e.yaml"), &args)
          .ok());
  EXPECT_EQ(args.ns, "ns1");
  EXPECT_EQ(args.id, "vm1");
  EXPECT_EQ(args.address, "/run/c.sock");
  EXPECT_EQ(args.config_path, "/etc/e.yaml");
}

TEST(ShimArgsTest, AcceptsContainerdStyleSingleDashFlags) {
  ShimArgs a = parse_ok({"-namespace", "ns1", "-id", "vm1", "-address", "/run/c.sock"});
  EXPECT_EQ(a.ns, "ns1");
  EXPECT_EQ(a.id, "vm1");
  EXPECT_EQ(a.address, "/run/c.sock");
  EXPECT_EQ(a.config_path, "");
  EXPECT_FALSE(a.debug);
}

TEST(ShimArgsTest, AcceptsDoubleDashAndEqualsForms) {
  ShimArgs a =
      parse_ok({"--namespace=ns1", "--id", "vm1", "-address=/a", "--config", "/c.yaml", "--debug"});
  EXPECT_EQ(a.ns, "ns1");
  EXPECT_EQ(a.id, "vm1");
  EXPECT_EQ(a.address, "/a");
  EXPECT_EQ(a.config_path, "/c.yaml");
  EXPECT_TRUE(a.debug);
}

TEST(ShimArgsTest, KeepsAnEmptyAddressWhenNoneIsGiven) {
  EXPECT_EQ(parse_ok({"-namespace", "ns", "-id", "vm"}).address, "");
}

TEST(ShimArgsTest, ReadsBooleanValuesAfterEquals) {
  EXPECT_FALSE(parse_ok({"-namespace", "n", "-id", "v", "-debug=false"}).debug);
  EXPECT_TRUE(parse_ok({"-namespace", "n", "-id", "v", "-debug=true"}).debug);
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "-debug=maybe"}),
            "flag -debug takes true or false, not \"maybe\"");
}

TEST(ShimArgsTest, HelpNeedsNoOtherFlags) {
  EXPECT_TRUE(parse_ok({"-help"}).help);
  EXPECT_TRUE(parse_ok({"--help"}).help);
  EXPECT_TRUE(parse_ok({"-h"}).help);
}

TEST(ShimArgsTest, RequiresTheNamespaceOnly) {
  EXPECT_EQ(parse_error({"-id", "vm1"}), "flag -namespace is required");
  EXPECT_EQ(parse_error({}), "flag -namespace is required");
}

// The seed's launch: the VM id comes from FIRECRACKER_VM_ID, not a flag.
TEST(ShimArgsTest, TheSeedsArgumentsAloneParse) {
  ShimArgs a = parse_ok({"-namespace", "ns1", "-address", "/run/containerd/containerd.sock"});
  EXPECT_EQ(a.ns, "ns1");
  EXPECT_EQ(a.id, "");
  EXPECT_EQ(a.address, "/run/containerd/containerd.sock");
}

TEST(ShimArgsTest, RefusesUnknownFlags) {
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "-bogus", "x"}), "unknown flag \"-bogus\"");
}

TEST(ShimArgsTest, RefusesAFlagWithoutItsValue) {
  EXPECT_EQ(parse_error({"-namespace", "n", "-id"}), "flag -id needs a value");
}

TEST(ShimArgsTest, RefusesPositionalArguments) {
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "start"}), "unexpected argument \"start\"");
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "--", "x"}), "unexpected argument \"x\"");
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "-"}), "unexpected argument \"-\"");
  EXPECT_EQ(parse_error({"-namespace", "n", "-id", "v", "---x"}), "unexpected argument \"---x\"");
}

TEST(ShimArgsTest, TakesAValueThatStartsWithADash) {
  EXPECT_EQ(parse_ok({"-namespace", "n", "-id", "v", "-config", "-odd.yaml"}).config_path,
            "-odd.yaml");
}

}  // namespace
}  // namespace ember::shim
