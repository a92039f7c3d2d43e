#include "shimproc/launch_env.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ember::shimproc {
namespace {

const char* const kBase[] = {"PATH=/usr/bin:/bin",
                             "HOME=/root",
                             "FIRECRACKER_VM_ID=stale",
                             "TTRPC_ADDRESS=stale",
                             "EMBER_CONFIG=/old.yaml",
                             "NOEQUALS",
                             nullptr};

TEST(LaunchEnvTest, ArgumentsNameNamespaceIdAddressAndConfigWhenSet) {
  EXPECT_EQ(
      shim_arguments("ns1", "vm1", "/run/c.sock", ""),
      (std::vector<std::string>{"-namespace", "ns1", "-id", "vm1", "-address", "/run/c.sock"}));
  EXPECT_EQ(shim_arguments("ns1", "vm1", "/run/c.sock", "/etc/e.yaml"),
            (std::vector<std::string>{"-namespace", "ns1", "-id", "vm1", "-address", "/run/c.sock",
                                      "-config", "/etc/e.yaml"}));
}

TEST(LaunchEnvTest, KeepsOursAndSetsTheContractVariables) {
  std::vector<std::string> env;
  ASSERT_TRUE(shim_environment("vm1", "/run/containerd/containerd.sock", {}, kBase, &env).ok());
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/bin:/bin",
                     "HOME=/root",
                     "EMBER_CONFIG=/old.yaml",
                     "FIRECRACKER_VM_ID=vm1",
                     "FCCONTROL_SOCKET_FD=4",
                     "TTRPC_ADDRESS=/run/containerd/containerd.sock.ttrpc",
                 }));
}

TEST(LaunchEnvTest, ExtraEntriesReplaceOursOfTheSameName) {
  std::vector<std::string> env;
  ASSERT_TRUE(
      shim_environment("vm1", "/c.sock", {"EMBER_CONFIG=/new.yaml", "X="}, kBase, &env).ok());
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/bin:/bin",
                     "HOME=/root",
                     "FIRECRACKER_VM_ID=vm1",
                     "FCCONTROL_SOCKET_FD=4",
                     "TTRPC_ADDRESS=/c.sock.ttrpc",
                     "EMBER_CONFIG=/new.yaml",
                     "X=",
                 }));
}

TEST(LaunchEnvTest, NullBaseGivesOnlyTheContract) {
  std::vector<std::string> env;
  ASSERT_TRUE(shim_environment("vm1", "/c.sock", {}, nullptr, &env).ok());
  EXPECT_EQ(env.size(), 3u);
}

TEST(LaunchEnvTest, ExtraEntryWithoutNameIsInvalidArgument) {
  std::vector<std::string> env = {"untouched"};
  for (const char* bad : {"NOEQUALS", "=value"}) {
    Status s = shim_environment("vm1", "/c.sock", {bad}, kBase, &env);
    EXPECT_EQ(s.code(), Code::invalid_argument);
    EXPECT_EQ(s.message(), "shim environment entry \"" + std::string(bad) + "\" is not NAME=value");
  }
  EXPECT_EQ(env, std::vector<std::string>{"untouched"});
}

TEST(LaunchEnvTest, ExtraEntryCannotOverrideTheContract) {
  std::vector<std::string> env;
  Status s = shim_environment("vm1", "/c.sock", {"FCCONTROL_SOCKET_FD=7"}, kBase, &env);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(),
            "shim environment entry \"FCCONTROL_SOCKET_FD=7\": FCCONTROL_SOCKET_FD is set by the "
            "launch contract");
}

TEST(LaunchEnvTest, ExtraNameGivenTwiceIsInvalidArgument) {
  std::vector<std::string> env;
  Status s = shim_environment("vm1", "/c.sock", {"A=1", "A=2"}, kBase, &env);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), "shim environment entry \"A=2\": A is given twice");
}

}  // namespace
}  // namespace ember::shimproc
