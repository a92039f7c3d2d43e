// replay sim: recorded order, every reply compared, the trace deterministic.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/replay/journal_builder.hpp"

namespace ember::replaytest {
namespace {

replay::SimResult sim(const replay::Journal& j, std::string* trace = nullptr) {
  std::ostringstream out;
  replay::SimOptions options;
  if (trace != nullptr) options.trace = &out;
  replay::SimResult r = replay::simulate(j, options);
  if (trace != nullptr) *trace = out.str();
  return r;
}

TEST(ReplaySimTest, LifecycleReplaysWithoutDivergence) {
  replay::SimResult r = sim(lifecycle_journal().journal());
  EXPECT_EQ(r.replies_checked, 3u);
  EXPECT_EQ(r.inputs, 8u);
  EXPECT_TRUE(r.divergences.empty())
      << r.divergences.front().recorded << " vs " << r.divergences.front().replayed;
}

TEST(ReplaySimTest, RecreateAfterStopReplaysWithoutDivergence) {
  replay::SimResult r = sim(recreate_journal().journal());
  EXPECT_EQ(r.replies_checked, 4u);
  EXPECT_TRUE(r.divergences.empty());
}

TEST(ReplaySimTest, FleetReplaysWithoutDivergence) {
  replay::SimResult r = sim(fleet_journal(5, 3).journal());
  EXPECT_EQ(r.replies_checked, 25u);
  EXPECT_TRUE(r.divergences.empty());
}

TEST(ReplaySimTest, AdoptedShimTakesCallsAndStops) {
  JournalBuilder b;
  b.adopt("vm1", 4242);
  b.started(1, "vm1", Code::ok, 4242);
  uint64_t info = b.rpc("GetVMInfo", "vm1");
  b.shim_reply(1, "vm1", 1, Code::ok, "info");
  b.reply(info, Code::ok, "", "info");
  uint64_t stop = b.rpc("StopVM", "vm1");
  b.shim_reply(1, "vm1", 2);
  b.shim_exit(1, "vm1");
  b.reply(stop, Code::ok);
  std::string trace;
  replay::SimResult r = sim(b.journal(), &trace);
  EXPECT_EQ(r.replies_checked, 2u);
  EXPECT_TRUE(r.divergences.empty()) << trace;
  EXPECT_NE(trace.find("client -> registry: adopt default/vm1 pid 4242"), std::string::npos)
      << trace;
}

TEST(ReplaySimTest, DifferentRecordedReplyIsReportedWithSeqVmAndMethod) {
  replay::SimResult r = sim(lifecycle_journal(Code::not_found).journal());
  ASSERT_EQ(r.divergences.size(), 1u);
  const replay::Divergence& d = r.divergences[0];
  EXPECT_EQ(d.seq, 5u);  // the GetVMInfo record
  EXPECT_EQ(d.vm, "default/vm1");
  EXPECT_EQ(d.method, "GetVMInfo");
  EXPECT_EQ(d.recorded, "NOT_FOUND: VM vm1 not found");
  EXPECT_EQ(d.replayed, "OK");
  std::ostringstream table;
  replay::print_divergences(r, table);
  EXPECT_NE(table.str().find("GetVMInfo"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("1 divergence\n"), std::string::npos) << table.str();
}

TEST(ReplaySimTest, DifferentPayloadIsADivergence) {
  JournalBuilder b;
  uint64_t create = b.rpc("CreateVM", "vm1");
  b.started(1, "vm1");
  b.shim_reply(1, "vm1", 1, Code::ok, "created");
  b.reply(create, Code::ok, "", "something else");
  replay::SimResult r = sim(b.journal());
  ASSERT_EQ(r.divergences.size(), 1u);
  EXPECT_NE(r.divergences[0].replayed.find("payload differs"), std::string::npos);
}

TEST(ReplaySimTest, CompletionNobodyAskedForIsADivergence) {
  JournalBuilder b = lifecycle_journal();
  b.shim_reply(1, "vm1", 9);  // no call 9 was ever sent to the shim
  replay::SimResult r = sim(b.journal());
  ASSERT_EQ(r.divergences.size(), 1u);
  EXPECT_EQ(r.divergences[0].method, "(completion)");
  EXPECT_EQ(r.divergences[0].seq, 12u);
  EXPECT_NE(r.divergences[0].replayed.find("call_shim 9 was not asked"), std::string::npos)
      << r.divergences[0].replayed;
}

TEST(ReplaySimTest, SameJournalGivesByteIdenticalTraces) {
  replay::Journal j = fleet_journal(3, 2).journal();
  std::string first, second;
  sim(j, &first);
  sim(j, &second);
  EXPECT_EQ(first, second);
  EXPECT_NE(first.find("frontend -> registry: call default/vm0 CreateVM"), std::string::npos)
      << first;
  EXPECT_NE(first.find("input -> vm default/vm0#1: shim_exit code 0 signal 0"), std::string::npos)
      << first;
  EXPECT_NE(first.find("registry -> frontend: reply OK"), std::string::npos) << first;
}

}  // namespace
}  // namespace ember::replaytest
