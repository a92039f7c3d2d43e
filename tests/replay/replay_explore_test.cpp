// replay explore: reproducible runs, no violation on emberd's actors, and a
// registry bug (built with EMBER_TEST_REGISTRY_BUG) found with its seed.
#include <gtest/gtest.h>

#include <iostream>

#include "replay/actor_set.hpp"
#include "tests/replay/journal_builder.hpp"

namespace ember::actors {
// actors/registry.cpp built with EMBER_TEST_REGISTRY_BUG (CMakeLists.txt).
msg::registry_actor spawn_registry_with_bug(caf::actor_system& sys, ActorDeps deps,
                                            SupervisorFactory make_supervisor);
}  // namespace ember::actors

namespace ember::replaytest {
namespace {

replay::ExploreResult explore(const replay::Journal& j, uint64_t runs,
                              const replay::ActorSet* actors = nullptr) {
  replay::ExploreOptions o;
  o.seed = 1;
  o.runs = runs;
  o.actors = actors;
  return replay::explore(j, o);
}

TEST(ReplayExploreTest, SameSeedTwiceGivesIdenticalTraces) {
  replay::Journal j = recreate_journal().journal();
  for (uint64_t seed : {1u, 7u, 12345u}) {
    std::string first = replay::explore_trace(j, seed, nullptr);
    std::string second = replay::explore_trace(j, seed, nullptr);
    EXPECT_EQ(first, second) << "seed " << seed;
    EXPECT_NE(first.find("input seq 1: rpc 1 CreateVM default/vm1"), std::string::npos) << first;
  }
}

TEST(ReplayExploreTest, SeedsChooseDifferentInterleavings) {
  replay::Journal j = fleet_journal(3, 2).journal();
  std::string a = replay::explore_trace(j, 1, nullptr);
  bool differs = false;
  for (uint64_t seed = 2; seed < 10 && !differs; ++seed)
    differs = replay::explore_trace(j, seed, nullptr) != a;
  EXPECT_TRUE(differs);
}

TEST(ReplayExploreTest, TwoJobsRunEverySeedOnce) {
  replay::ExploreOptions o;
  o.seed = 10;
  o.runs = 1000;
  o.jobs = 2;
  replay::ExploreResult r = replay::explore(fleet_journal(3, 2).journal(), o);
  EXPECT_EQ(r.runs, 1000u);
  EXPECT_FALSE(r.violation.has_value());
}

TEST(ReplayExploreTest, EmberdActorsHoldEveryInvariantIn1000Runs) {
  for (const auto& j : {recreate_journal().journal(), lifecycle_journal().journal(),
                        fleet_journal(3, 2).journal()}) {
    replay::ExploreResult r = explore(j, 1000);
    EXPECT_EQ(r.runs, 1000u);
    if (r.violation) {
      replay::print_violation(*r.violation, std::cout);
      ADD_FAILURE() << r.violation->invariant << ": " << r.violation->detail;
    }
  }
}

// The checks can fail: a journal missing a completion leaves an RPC the
// recording answered without an answer.
TEST(ReplayExploreTest, AnRpcLeftUnansweredIsAViolation) {
  JournalBuilder b;
  uint64_t create = b.rpc("CreateVM", "vm1");
  b.started(1, "vm1");
  b.shim_reply(1, "vm1", 1);
  b.reply(create, Code::ok);
  uint64_t info = b.rpc("GetVMInfo", "vm1");
  b.reply(info, Code::ok);  // its shim_reply is missing
  replay::ExploreResult r = explore(b.journal(), 10);
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->invariant, "answered-once");
  EXPECT_NE(r.violation->detail.find("rpc 2 GetVMInfo default/vm1 conn 1 was never answered"),
            std::string::npos)
      << r.violation->detail << "\n"
      << r.violation->trace;
}

// A shim answer recorded after the caller's deadline, relayed as OK.
TEST(ReplayExploreTest, AnOkAfterTheDeadlineIsAViolation) {
  JournalBuilder b;
  uint64_t create = b.rpc("CreateVM", "vm1");
  b.started(1, "vm1");
  b.shim_reply(1, "vm1", 1);
  b.reply(create, Code::ok);
  uint64_t info = b.rpc("GetVMInfo", "vm1", 1, /*timeout_ms=*/2);
  b.advance_ms(5);
  b.shim_reply(1, "vm1", 2);
  b.reply(info, Code::ok);
  replay::ExploreResult r = explore(b.journal(), 10);
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->invariant, "ok-after-deadline");
  EXPECT_EQ(r.violation->seed, 1u);
}

TEST(ReplayExploreTest, RegistryForgettingAStoppingVmIsFoundWithin1000Runs) {
  replay::ActorSet buggy;
  buggy.spawn_registry = &actors::spawn_registry_with_bug;
  replay::ExploreResult r = explore(recreate_journal().journal(), 1000, &buggy);
  ASSERT_TRUE(r.violation.has_value()) << "no violation in " << r.runs << " runs";
  const replay::Violation& v = *r.violation;
  replay::print_violation(v, std::cout);
  EXPECT_TRUE(v.invariant == "one-supervisor-per-vm" ||
              v.invariant == "registry-matches-supervisors")
      << v.invariant;
  EXPECT_LE(v.inputs_kept, v.inputs_total);
  EXPECT_NE(v.trace.find("VIOLATION " + v.invariant), std::string::npos) << v.trace;
  // Two threads report the same seed and the same shrunk trace.
  replay::ExploreOptions parallel;
  parallel.runs = 1000;
  parallel.jobs = 2;
  parallel.actors = &buggy;
  replay::ExploreResult rp = replay::explore(recreate_journal().journal(), parallel);
  ASSERT_TRUE(rp.violation.has_value());
  EXPECT_EQ(rp.violation->seed, v.seed);
  EXPECT_EQ(rp.violation->trace, v.trace);
  // The seed reproduces it alone.
  replay::ExploreOptions again;
  again.seed = v.seed;
  again.runs = 1;
  again.actors = &buggy;
  replay::ExploreResult r2 = replay::explore(recreate_journal().journal(), again);
  ASSERT_TRUE(r2.violation.has_value());
  EXPECT_EQ(r2.violation->invariant, v.invariant);
  EXPECT_EQ(r2.violation->trace, v.trace);
}

}  // namespace
}  // namespace ember::replaytest
