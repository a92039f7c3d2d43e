// emberctl vm balloon get | set | stats | stats-interval.
#include <gtest/gtest.h>

#include "emberctl_fixture.hpp"
#include "fccontrol.pb.h"

namespace ember::ctltest {
namespace {

using EmberctlBalloonTest = EmberctlTest;

TEST_F(EmberctlBalloonTest, GetPrintsTheBalloonConfig) {
  GetBalloonConfigResponse resp;
  resp.mutable_balloonconfig()->set_amountmib(64);
  resp.mutable_balloonconfig()->set_deflateonoom(true);
  resp.mutable_balloonconfig()->set_statspollingintervals(5);
  server().reply("GetBalloonConfig", resp);

  CtlResult r = ctl({"vm", "balloon", "get", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<GetBalloonConfigRequest>("GetBalloonConfig").vmid(), "vm1");
  EXPECT_EQ(r.out, "AmountMib: 64\nDeflateOnOom: true\nStatsPollingIntervals: 5\n");

  CtlResult j = ctl({"--json", "vm", "balloon", "get", "vm1"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out,
            R"({"BalloonConfig":{"AmountMib":64,"DeflateOnOom":true,"StatsPollingIntervals":5}})"
            "\n");
}

TEST_F(EmberctlBalloonTest, SetSendsAmountMib) {
  CtlResult r = ctl({"vm", "balloon", "set", "vm1", "256"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<UpdateBalloonRequest>("UpdateBalloon");
  EXPECT_EQ(sent.vmid(), "vm1");
  EXPECT_EQ(sent.amountmib(), 256);
  EXPECT_EQ(r.out, "VMID: vm1\nAmountMib: 256\nResult: balloon updated\n");
}

TEST_F(EmberctlBalloonTest, SetRejectsANegativeSizeAsAUsageError) {
  CtlResult r = ctl({"vm", "balloon", "set", "vm1", "-5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: MIB: must be 0 or more, got -5\n"
            "Run with --help for more information.\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlBalloonTest, StatsPrintsAllFourteenFieldsInProtoOrder) {
  GetBalloonStatsResponse s;
  s.set_actualmib(1);
  s.set_actualpages(2);
  s.set_availablememory(3);
  s.set_diskcaches(4);
  s.set_freememory(5);
  s.set_hugetlballocations(6);
  s.set_hugetlbfailures(7);
  s.set_majorfaults(8);
  s.set_minorfaults(9);
  s.set_swapin(10);
  s.set_swapout(11);
  s.set_targetmib(12);
  s.set_targetpages(13);
  s.set_totalmemory(int64_t{1} << 40);
  server().reply("GetBalloonStats", s);

  CtlResult r = ctl({"vm", "balloon", "stats", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<GetBalloonStatsRequest>("GetBalloonStats").vmid(), "vm1");
  EXPECT_EQ(r.out,
            "ActualMib: 1\nActualPages: 2\nAvailableMemory: 3\nDiskCaches: 4\nFreeMemory: 5\n"
            "HugetlbAllocations: 6\nHugetlbFailures: 7\nMajorFaults: 8\nMinorFaults: 9\n"
            "SwapIn: 10\nSwapOut: 11\nTargetMib: 12\nTargetPages: 13\n"
            "TotalMemory: 1099511627776\n");

  CtlResult j = ctl({"--json", "vm", "balloon", "stats", "vm1"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out, R"({"ActualMib":1,"ActualPages":2,"AvailableMemory":3,"DiskCaches":4,)"
                   R"("FreeMemory":5,"HugetlbAllocations":6,"HugetlbFailures":7,"MajorFaults":8,)"
                   R"("MinorFaults":9,"SwapIn":10,"SwapOut":11,"TargetMib":12,"TargetPages":13,)"
                   R"("TotalMemory":1099511627776})"
                   "\n");
}

TEST_F(EmberctlBalloonTest, StatsIntervalSendsStatsPollingIntervals) {
  CtlResult r = ctl({"--json", "vm", "balloon", "stats-interval", "vm1", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<UpdateBalloonStatsRequest>("UpdateBalloonStats");
  EXPECT_EQ(sent.vmid(), "vm1");
  EXPECT_EQ(sent.statspollingintervals(), 10);
  EXPECT_EQ(r.out, R"({"VMID":"vm1","StatsPollingIntervals":10,"Result":"stats interval updated"})"
                   "\n");
}

TEST_F(EmberctlBalloonTest, StatsIntervalZeroTurnsPollingOff) {
  ASSERT_EQ(ctl({"vm", "balloon", "stats-interval", "vm1", "0"}).exit_code, 0);
  auto sent = only_request<UpdateBalloonStatsRequest>("UpdateBalloonStats");
  EXPECT_EQ(sent.statspollingintervals(), 0);
}

}  // namespace
}  // namespace ember::ctltest
