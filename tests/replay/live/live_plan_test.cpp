// read_live_plan: which earlier call each recorded call waits for.
#include <gtest/gtest.h>

#include "replay/live/live_plan.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/replay/live/test_journal.hpp"

namespace ember::replay::live {
namespace {

using namespace std::chrono_literals;
using test::TestJournal;

TEST(LivePlanTest, EachCallWaitsForTheCallOfItsVmThatWasAnsweredBeforeIt) {
  TestJournal j;
  const uint64_t create1 = j.rpc(0ms, "default", "CreateVM", test::create_vm("vm1"));
  const uint64_t create2 = j.rpc(1ms, "default", "CreateVM", test::create_vm("vm2"));
  const uint64_t info1 = j.rpc(2ms, "default", "GetVMInfo", test::get_vm_info("vm1"));
  j.reply(3ms, create1, Code::ok);
  const uint64_t stop1 = j.rpc(4ms, "default", "StopVM", test::stop_vm("vm1"));
  const uint64_t other_ns = j.rpc(5ms, "team-a", "GetVMInfo", test::get_vm_info("vm1"));
  j.reply(6ms, create2, Code::ok);
  j.reply(7ms, info1, Code::ok);
  j.reply(8ms, stop1, Code::ok);
  (void)other_ns;  // never answered in the recording
  ctltest::TempDir dir;
  const std::string path = dir.path() + "/plan.journal";
  ASSERT_TRUE(j.write(path));

  LivePlan plan;
  ASSERT_TRUE(read_live_plan(path, &plan).ok());
  ASSERT_EQ(plan.calls.size(), 5u);
  EXPECT_EQ(plan.vm_count, 3u);
  EXPECT_EQ(plan.calls[0].previous, PlannedCall::kNone);
  EXPECT_EQ(plan.calls[1].previous, PlannedCall::kNone);
  // GetVMInfo vm1 went out while CreateVM vm1 was still running.
  EXPECT_EQ(plan.calls[2].previous, 0u);
  EXPECT_FALSE(plan.calls[2].after_answer);
  // StopVM vm1 went out after CreateVM was answered but GetVMInfo was not.
  EXPECT_EQ(plan.calls[3].previous, 2u);
  EXPECT_FALSE(plan.calls[3].after_answer);
  EXPECT_EQ(plan.calls[4].previous, PlannedCall::kNone);
  EXPECT_EQ(plan.calls[4].vm_id, "vm1");
  EXPECT_EQ(plan.calls[4].ns, "team-a");
  EXPECT_FALSE(plan.calls[4].recorded.has_value());
  ASSERT_TRUE(plan.calls[0].recorded.has_value());
  EXPECT_EQ(plan.calls[0].recorded->code, 0);
  EXPECT_EQ(plan.calls[3].sent_nanos, 4'000'000);
  EXPECT_EQ(plan.calls[3].timeout_nano, 30'000'000'000);
}

TEST(LivePlanTest, ACallSentAfterTheAnswerOfItsPredecessorWaitsForIt) {
  TestJournal j;
  const uint64_t create = j.rpc(0ms, "default", "CreateVM", test::create_vm("vm1"));
  j.reply(1ms, create, Code::ok);
  j.rpc(2ms, "default", "CreateVM", test::create_vm("vm1"));
  ctltest::TempDir dir;
  const std::string path = dir.path() + "/plan.journal";
  ASSERT_TRUE(j.write(path));
  LivePlan plan;
  ASSERT_TRUE(read_live_plan(path, &plan).ok());
  ASSERT_EQ(plan.calls.size(), 2u);
  EXPECT_EQ(plan.calls[1].previous, 0u);
  EXPECT_TRUE(plan.calls[1].after_answer);
}

TEST(LivePlanTest, ATruncatedRecordIsReportedWithItsOffset) {
  TestJournal j;
  j.rpc(0ms, "default", "GetVMInfo", test::get_vm_info("vm1"));
  ctltest::TempDir dir;
  const std::string path = dir.path() + "/cut.journal";
  ASSERT_TRUE(ctltest::write_file(path, j.bytes().substr(0, j.bytes().size() - 3)));
  LivePlan plan;
  Status st = read_live_plan(path, &plan);
  EXPECT_EQ(st.code(), Code::invalid_argument);
  EXPECT_EQ(st.message(), path + ": truncated record at offset " + std::to_string(j.header_size()));
}

}  // namespace
}  // namespace ember::replay::live
