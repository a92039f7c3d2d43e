// A CLI that forgives: unknown words are named with a "did you mean", bad
// values are refused before any call in the flag's words, relative paths are
// made absolute on the client, and a forced stop has its own exit code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>

#include "emberctl_fixture.hpp"
#include "fccontrol.pb.h"

namespace ember::ctltest {
namespace {

using EmberctlForgivingTest = EmberctlTest;

std::string Cwd() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

void ExpectUsageError(const CtlResult& r, const std::string& message) {
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: " + message + "\nRun with --help for more information.\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlForgivingTest, AMistypedSubcommandIsNamedWithTheNearestOne) {
  ExpectUsageError(ctl({"vm", "crate", "vm1"}),
                   "unknown subcommand \"crate\" for \"emberctl vm\"; did you mean \"create\"?");
  ExpectUsageError(ctl({"vmm", "info", "vm1"}),
                   "unknown subcommand \"vmm\" for \"emberctl\"; did you mean \"vm\"?");
  ExpectUsageError(ctl({"vm", "balloon", "stat", "vm1"}),
                   "unknown subcommand \"stat\" for \"emberctl vm balloon\"; did you mean "
                   "\"stats\"?");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlForgivingTest, AWordFarFromAnySubcommandPointsToHelp) {
  ExpectUsageError(ctl({"vm", "xyzzyplugh"}),
                   "unknown subcommand \"xyzzyplugh\" for \"emberctl vm\"; see emberctl vm --help");
}

TEST_F(EmberctlForgivingTest, AMistypedOptionIsNamedWithTheNearestOneOfThatCommand) {
  ExpectUsageError(
      ctl({"vm", "create", "vm1", "--vcpu", "2"}),
      "unknown option \"--vcpu\" for \"emberctl vm create\"; did you mean \"--vcpus\"?");
  // Global options count too, wherever they stand.
  ExpectUsageError(ctl({"vm", "info", "vm1", "--jsn"}),
                   "unknown option \"--jsn\" for \"emberctl vm info\"; did you mean \"--json\"?");
  ExpectUsageError(ctl_raw({"--adress", "/x.sock", "vm", "info", "vm1"}),
                   "unknown option \"--adress\" for \"emberctl\"; did you mean \"--address\"?");
}

TEST_F(EmberctlForgivingTest, AGroupWithoutASubcommandListsItsSubcommands) {
  ExpectUsageError(ctl({"vm", "balloon"}),
                   "\"emberctl vm balloon\" needs a subcommand: get, set, stats, stats-interval");
}

TEST_F(EmberctlForgivingTest, OutOfRangeMachineValuesAreRefusedBeforeAnyCall) {
  ExpectUsageError(ctl({"vm", "create", "vm1", "--vcpus", "0"}),
                   "--vcpus: must be between 1 and 32, got 0");
  ExpectUsageError(ctl({"vm", "create", "vm1", "--vcpus", "33"}),
                   "--vcpus: must be between 1 and 32, got 33");
  ExpectUsageError(ctl({"vm", "create", "vm1", "--mem", "0"}),
                   "--mem: must be between 1 and 1048576, got 0");
  ExpectUsageError(ctl({"bench", "lifecycle", "--vcpus", "64"}),
                   "--vcpus: must be between 1 and 32, got 64");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlForgivingTest, AnInvalidNamespaceIsRefusedInTheFlagsWords) {
  ExpectUsageError(ctl({"--namespace", "team/a", "vm", "info", "vm1"}),
                   "--namespace: namespace \"team/a\": character \"/\" at offset 4 is not allowed "
                   "(only letters, digits, '.', '_' and '-')");
  ExpectUsageError(ctl({"--namespace", "", "vm", "info", "vm1"}),
                   "--namespace: namespace must not be empty");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlForgivingTest, RelativeKernelAndDrivePathsAreMadeAbsolute) {
  CtlResult r =
      ctl({"vm", "create", "vm1", "--kernel", "img/vmlinux", "--root-drive", "./img/../root.ext4",
           "--drive", "data.ext4:/srv/data:rw", "--drive", "/abs/logs.img"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<CreateVMRequest>("CreateVM");
  const std::string cwd = Cwd();
  EXPECT_EQ(sent.kernelimagepath(), cwd + "/img/vmlinux");
  EXPECT_EQ(sent.rootdrive().hostpath(), cwd + "/root.ext4");
  ASSERT_EQ(sent.drivemounts_size(), 2);
  EXPECT_EQ(sent.drivemounts(0).hostpath(), cwd + "/data.ext4");
  EXPECT_EQ(sent.drivemounts(0).vmpath(), "/srv/data");
  EXPECT_TRUE(sent.drivemounts(0).iswritable());
  EXPECT_EQ(sent.drivemounts(1).hostpath(), "/abs/logs.img");
  EXPECT_EQ(sent.drivemounts(1).vmpath(), "/mnt/drive1");
  EXPECT_FALSE(sent.drivemounts(1).iswritable());
}

TEST_F(EmberctlForgivingTest, AMalformedDriveIsAUsageErrorNamingIt) {
  ExpectUsageError(ctl({"vm", "create", "vm1", "--drive", "a.img:rx"}),
                   "--drive: \"a.img:rx\": \"rx\" is neither rw, ro nor an absolute guest path");
  ExpectUsageError(ctl({"vm", "create", "vm1", "--drive", ":rw"}),
                   "--drive: \":rw\": the host path is empty");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlForgivingTest, AForcedStopExitsFiveAndOtherFailuresOne) {
  server().fail("StopVM", Status::Internal("forcefully terminated VM vm1"));
  CtlResult r = ctl({"vm", "stop", "vm1"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err, "error: INTERNAL: forcefully terminated VM vm1\n");
  server().fail("StopVM", Status::Internal("shim of vm1 is gone"));
  EXPECT_EQ(ctl({"vm", "stop", "vm1"}).exit_code, 1);
}

}  // namespace
}  // namespace ember::ctltest
