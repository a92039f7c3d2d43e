// The fleet front when members fail (docs/fleet.md): a lost member's VMs
// answer UNAVAILABLE naming it while the others work; a member that comes
// back re-announces its VMs; VMs absent after it came back are dropped; a
// key on two members is resolved by the conflict rule; a restarted front
// rebuilds its placement from the members' reports.
#include "fleet_fixture.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace ember::actors::testing {
namespace {

using namespace msg;

constexpr auto kAlreadyExists = static_cast<int32_t>(Code::already_exists);
constexpr auto kNotFound = static_cast<int32_t>(Code::not_found);
constexpr auto kUnavailable = static_cast<int32_t>(Code::unavailable);

using FleetFailureTest = FleetTest;

std::vector<FleetVm> vms_of(std::vector<std::string> ids, int64_t created = 100) {
  std::vector<FleetVm> out;
  for (auto& id : ids)
    out.push_back(FleetVm{key_of("ns", id), created});
  return out;
}

TEST_F(FleetFailureTest, LostMemberAnswersUnavailableNamingItWhileOthersWork) {
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("a").code, 0);  // m1
  EXPECT_EQ(create("b").code, 0);  // m2
  kill_member("m1");
  auto m1 = member("m1");
  EXPECT_EQ(m1.state, MemberState::lost);
  RpcReply r = info("a");
  EXPECT_EQ(r.code, kUnavailable);
  EXPECT_EQ(r.message.rfind("member m1 (10.77.1.2:7100) is unreachable: link down", 0), 0u)
      << r.message;
  EXPECT_EQ(info("b").code, 0);
  EXPECT_EQ(create("c").code, 0);  // m2: the only member up
  EXPECT_EQ(member("m2").placed_vms, 2u);
  EXPECT_EQ(create("a").code, kAlreadyExists) << "a lost member's VMs keep their ids";
}

TEST_F(FleetFailureTest, PartitionAnswersInFlightCallsThenHeals) {
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("a").code, 0);  // m1
  EXPECT_EQ(create("b").code, 0);  // m2
  // m1 goes silent: its link stays, nothing comes back.
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  auto held = send_call(key_of("ns", "a"), call_of(Method::get_vm_info));
  tick();
  EXPECT_FALSE(held->done);
  advance_time(std::chrono::milliseconds(settings.member_timeout_ms));
  settle();
  ASSERT_TRUE(held->done) << "the call in flight is answered when m1 is lost";
  EXPECT_EQ(held->reply.code, kUnavailable);
  EXPECT_EQ(held->reply.message,
            "member m1 (10.77.1.2:7100) is unreachable: no report within 3000 ms");
  EXPECT_EQ(member("m1").state, MemberState::lost);
  EXPECT_EQ(info("b").code, 0);
  // Healed: m1 answers again, reports its VMs, and is up.
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, false);
  settle();
  tick();
  EXPECT_EQ(member("m1").state, MemberState::up);
  EXPECT_EQ(info("a").code, 0);
  EXPECT_EQ(placed(), 2u) << "no VM lost or duplicated";
}

TEST_F(FleetFailureTest, TheFrontsOwnTimerFindsASilentMemberAndItsReturn) {
  settings.report_interval_ms = 1000;
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("a").code, 0);  // m1
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  settle();
  advance_time(std::chrono::milliseconds(1000));  // a round: m1 does not answer
  settle();
  EXPECT_EQ(member("m1").state, MemberState::up);
  advance_time(std::chrono::milliseconds(3000));  // its report is overdue
  settle();
  EXPECT_EQ(member("m1").state, MemberState::lost);
  EXPECT_EQ(member("m2").state, MemberState::up);
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, false);
  settle();
  advance_time(std::chrono::milliseconds(1000));  // the next round hears it again
  settle();
  EXPECT_EQ(member("m1").state, MemberState::up);
  EXPECT_EQ(info("a").code, 0);
}

TEST_F(FleetFailureTest, ACreateInFlightToALostMemberIsUnavailableThenReannounced) {
  add_member("m1");
  start_front();
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  auto out = send_call(key_of("ns", "a"), call_of(Method::create_vm, create_payload("a", 0)));
  settle();
  kill_member("m1");
  ASSERT_TRUE(out->done);
  EXPECT_EQ(out->reply.code, kUnavailable);
  EXPECT_EQ(placed(), 0u);
  restart_member("m1", vms_of({"a"}));  // it had created a after all
  tick();
  EXPECT_EQ(placed(), 1u);
  EXPECT_EQ(info("a").code, 0);
}

TEST_F(FleetFailureTest, RestartedMemberReannouncesItsVms) {
  add_member("m1");
  add_member("m2");
  start_front();
  for (auto id : {"a", "b", "c", "d"})
    EXPECT_EQ(create(id).code, 0);  // a, c: m1; b, d: m2
  kill_member("m1");
  EXPECT_EQ(info("c").code, kUnavailable);
  restart_member("m1", vms_of({"a", "c"}));
  tick();
  EXPECT_EQ(member("m1").state, MemberState::up);
  EXPECT_EQ(info("a").code, 0);
  EXPECT_EQ(info("c").code, 0);
  EXPECT_EQ(placed(), 4u) << "0 lost";
  EXPECT_EQ(member("m1").placed_vms, 2u);
}

TEST_F(FleetFailureTest, VmsAbsentAfterTheMemberCameBackAreDropped) {
  add_member("m1");
  start_front();
  EXPECT_EQ(create("a").code, 0);
  EXPECT_EQ(create("b").code, 0);
  kill_member("m1");
  restart_member("m1", vms_of({"a"}));
  tick();
  EXPECT_EQ(placed(), 1u);
  EXPECT_EQ(info("b").code, kNotFound);
  EXPECT_EQ(create("b").code, 0) << "a dropped id can be created again";
}

TEST_F(FleetFailureTest, ConflictEarlierCreatedWins) {
  auto m1 = add_member("m1");
  auto m2 = add_member("m2");
  caf::anon_send(m1, sim_add_atom::value, FleetVm{key_of("ns", "x"), 200});
  caf::anon_send(m2, sim_add_atom::value, FleetVm{key_of("ns", "x"), 100});
  start_front();  // m1 reports first and holds x, until m2's report
  EXPECT_EQ(placed(), 1u);
  EXPECT_EQ(member("m1").conflicts.size(), 1u);
  EXPECT_TRUE(member("m2").conflicts.empty());
  EXPECT_EQ(member("m2").placed_vms, 1u);
  auto rows = list("ns", false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].member, "m1");
  EXPECT_TRUE(rows[0].conflict);
  EXPECT_EQ(rows[1].member, "m2");
  EXPECT_FALSE(rows[1].conflict);
  // Calls go to the winner: they work without the loser, not without it.
  kill_member("m1");
  EXPECT_EQ(info("x").code, 0);
  kill_member("m2");
  EXPECT_EQ(info("x").message.rfind("member m2 ", 0), 0u);
}

TEST_F(FleetFailureTest, ConflictOfEqualTimesGoesToTheLowerName) {
  // m2 is configured first, reports first and holds y until m1 reports.
  auto m2 = add_member("m2");
  auto m1 = add_member("m1");
  caf::anon_send(m2, sim_add_atom::value, FleetVm{key_of("ns", "y"), 100});
  caf::anon_send(m1, sim_add_atom::value, FleetVm{key_of("ns", "y"), 100});
  start_front();
  EXPECT_EQ(member("m1").placed_vms, 1u);
  EXPECT_EQ(member("m2").placed_vms, 0u);
  ASSERT_EQ(member("m2").conflicts.size(), 1u);
  EXPECT_EQ(member("m2").conflicts[0].id, "y");
  kill_member("m2");
  EXPECT_EQ(info("y").code, 0);
}

TEST_F(FleetFailureTest, ConflictAKnownCreationTimeWinsOverAnUnknownOne) {
  auto m1 = add_member("m1");
  auto m2 = add_member("m2");
  caf::anon_send(m1, sim_add_atom::value, FleetVm{key_of("ns", "z"), 0});
  caf::anon_send(m2, sim_add_atom::value, FleetVm{key_of("ns", "z"), 500});
  start_front();
  EXPECT_EQ(member("m2").placed_vms, 1u);
  EXPECT_EQ(member("m1").conflicts.size(), 1u);
}

TEST_F(FleetFailureTest, TheLoserTakesOverWhenTheWinnerNoLongerHoldsIt) {
  auto m1 = add_member("m1");
  auto m2 = add_member("m2");
  caf::anon_send(m1, sim_add_atom::value, FleetVm{key_of("ns", "x"), 100});
  caf::anon_send(m2, sim_add_atom::value, FleetVm{key_of("ns", "x"), 200});
  start_front();
  EXPECT_EQ(member("m2").conflicts.size(), 1u);
  kill_member("m1");
  restart_member("m1", {});
  tick();
  EXPECT_EQ(member("m2").placed_vms, 1u);
  EXPECT_TRUE(member("m2").conflicts.empty());
  EXPECT_EQ(info("x").code, 0);
}

TEST_F(FleetFailureTest, RestartedFrontRebuildsItsPlacement) {
  add_member("m1");
  add_member("m2");
  add_member("m3");
  start_front();
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(create("vm" + std::to_string(i)).code, 0);
  restart_front();
  EXPECT_EQ(placed(), 6u);
  for (const auto& m : members())
    EXPECT_EQ(m.placed_vms, 2u) << m.name;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(info("vm" + std::to_string(i)).code, 0);
    EXPECT_EQ(create("vm" + std::to_string(i)).code, kAlreadyExists);
  }
}

TEST_F(FleetFailureTest, RefusedLinkAndAMemberWithAnotherName) {
  add_member("m1");
  add_member("m2");
  caf::anon_send_exit(sims.at("m2"), caf::exit_reason::kill);
  sims["m2"] = spawn_sim_member(sys, "mx", SimCapacity{});  // at m2's address: calls itself mx
  add_member("m3");
  start_front();
  caf::anon_send(links, sim_cut_atom::value, std::string{"10.77.3.2:7100"}, true,
                 std::string{"certificate signed by another CA"});
  kill_member("m3");
  tick();
  EXPECT_EQ(member("m1").state, MemberState::up);
  auto m2 = member("m2");
  EXPECT_EQ(m2.state, MemberState::refused);
  EXPECT_EQ(m2.reason, "it calls itself mx");
  auto m3 = member("m3");
  EXPECT_EQ(m3.state, MemberState::refused);
  EXPECT_EQ(m3.reason, "certificate signed by another CA");
  EXPECT_EQ(create("a").code, 0);
  EXPECT_EQ(member("m1").placed_vms, 1u);
}

}  // namespace
}  // namespace ember::actors::testing
