// replay sim with Step records: the actors take their messages in the
// recorded order, so a race between actors replays as it happened.
#include <gtest/gtest.h>
#include <caf/atom.hpp>

#include <sstream>

#include "replay/step_names.hpp"
#include "tests/replay/journal_builder.hpp"

namespace ember::replaytest {
namespace {

using Role = journal::Step;
// The frontend takes no steps; it sends under an id no step names.
constexpr uint64_t kFrontend = 7, kRegistry = 8, kVm = 9;
constexpr uint64_t kCall = static_cast<uint64_t>(caf::atom("call"));
constexpr uint64_t kStarted = static_cast<uint64_t>(caf::atom("started"));
constexpr uint64_t kShimReply = static_cast<uint64_t>(caf::atom("shimreply"));
constexpr uint64_t kShimExit = static_cast<uint64_t>(caf::atom("shimexit"));
constexpr uint64_t kDown = static_cast<uint64_t>(caf::atom("down"));

// vm1 created and stopped; a second CreateVM of vm1 arrives while the first
// supervisor ends. `create_first`: the registry took that CreateVM before
// the supervisor's down message (the recording answered ALREADY_EXISTS);
// otherwise after it (OK, and a second supervisor).
JournalBuilder stop_create_race(bool create_first) {
  JournalBuilder b;
  uint64_t create = b.rpc("CreateVM", "vm1");
  b.step(Role::REGISTRY, kRegistry, kFrontend, kCall);
  b.step(Role::VM, kVm, kRegistry, kCall, "vm1");
  b.started(1, "vm1");
  b.step(Role::VM, kVm, 0, kStarted, "vm1");
  b.shim_reply(1, "vm1", 1);
  b.step(Role::VM, kVm, 0, kShimReply, "vm1");
  b.step(Role::REGISTRY, kRegistry, kVm, 0);
  b.reply(create, Code::ok);
  uint64_t stop = b.rpc("StopVM", "vm1", 1);
  b.step(Role::REGISTRY, kRegistry, kFrontend, kCall);
  b.step(Role::VM, kVm, kRegistry, kCall, "vm1");
  b.shim_reply(1, "vm1", 2);
  b.step(Role::VM, kVm, 0, kShimReply, "vm1");
  b.shim_exit(1, "vm1");
  b.step(Role::VM, kVm, 0, kShimExit, "vm1");
  uint64_t again = b.rpc("CreateVM", "vm1", 2);
  auto registry_takes_down = [&] {
    b.step(Role::REGISTRY, kRegistry, kVm, kDown);
    b.reply(stop, Code::ok);
  };
  if (!create_first) registry_takes_down();
  b.step(Role::REGISTRY, kRegistry, kFrontend, kCall);
  if (create_first) {
    b.reply(again, Code::already_exists, "VM vm1 already exists in namespace default");
    registry_takes_down();
  }
  return b;
}

replay::SimResult sim(const replay::Journal& j, std::string* trace) {
  std::ostringstream out;
  replay::SimOptions options;
  options.trace = &out;
  replay::SimResult r = replay::simulate(j, options);
  *trace = out.str();
  return r;
}

std::string first_divergence(const replay::SimResult& r) {
  if (r.divergences.empty()) return "none";
  const replay::Divergence& d = r.divergences.front();
  return std::to_string(d.seq) + " " + d.method + ": " + d.recorded + " vs " + d.replayed;
}

TEST(ReplayStepsTest, CreateTakenBeforeTheDownReplaysAsAlreadyExists) {
  std::string trace;
  replay::SimResult r = sim(stop_create_race(true).journal(), &trace);
  EXPECT_EQ(r.replies_checked, 3u);
  EXPECT_TRUE(r.divergences.empty()) << first_divergence(r) << "\n" << trace;
}

TEST(ReplayStepsTest, CreateTakenAfterTheDownReplaysAsANewVm) {
  JournalBuilder b = stop_create_race(false);
  // The second supervisor starts; the create is answered OK.
  b.step(Role::VM, kVm + 1, kRegistry, kCall, "vm1");
  b.started(2, "vm1");
  b.step(Role::VM, kVm + 1, 0, kStarted, "vm1");
  b.shim_reply(2, "vm1", 1);
  b.step(Role::VM, kVm + 1, 0, kShimReply, "vm1");
  b.step(Role::REGISTRY, kRegistry, kVm + 1, 0);
  b.reply(3, Code::ok);
  std::string trace;
  replay::SimResult r = sim(b.journal(), &trace);
  EXPECT_EQ(r.replies_checked, 3u);
  EXPECT_TRUE(r.divergences.empty()) << first_divergence(r) << "\n" << trace;
}

// Without its steps the same journal runs to idle per input, and the race
// goes the other way: the divergence the steps exist to prevent.
TEST(ReplayStepsTest, WithoutStepsTheRaceReplaysTheOtherWay) {
  replay::Journal j = stop_create_race(true).journal();
  j.header.set_steps(false);
  std::string trace;
  replay::SimResult r = sim(j, &trace);
  ASSERT_FALSE(r.divergences.empty()) << trace;
  EXPECT_EQ(r.divergences.front().method, "CreateVM") << first_divergence(r);
}

TEST(ReplayStepsTest, AStepThatCannotBeTakenIsADivergenceNamingIt) {
  JournalBuilder b = stop_create_race(true);
  b.step(Role::VM, kVm, 0, kShimExit, "vm1");  // a second exit of a finished supervisor
  std::string trace;
  replay::SimResult r = sim(b.journal(), &trace);
  ASSERT_EQ(r.divergences.size(), 1u) << first_divergence(r);
  EXPECT_EQ(r.divergences[0].method, "(step)");
  EXPECT_EQ(r.divergences[0].recorded, "vm default/vm1#1 takes shimexit from input");
}

TEST(ReplayStepsTest, KindsReadAsTheirAtoms) {
  EXPECT_EQ(replay::StepNames::kind_text(kShimReply), "shimreply");
  EXPECT_EQ(replay::StepNames::kind_text(static_cast<uint64_t>(caf::atom("abcdefghij"))),
            "abcdefghij");
  EXPECT_EQ(replay::StepNames::kind_text(0), "-");
}

}  // namespace
}  // namespace ember::replaytest
