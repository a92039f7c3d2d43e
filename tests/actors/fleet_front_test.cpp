// The fleet front against simulated members: ALREADY_EXISTS fleet-wide,
// routing, the registry calls a front answers itself, list and watch.
#include "fleet_fixture.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace ember::actors::testing {
namespace {

using namespace msg;

constexpr auto kAlreadyExists = static_cast<int32_t>(Code::already_exists);
constexpr auto kNotFound = static_cast<int32_t>(Code::not_found);
constexpr auto kUnavailable = static_cast<int32_t>(Code::unavailable);

using FleetFrontTest = FleetTest;

TEST_F(FleetFrontTest, MembersComeUpWithTheirCapacity) {
  add_member("m1", SimCapacity{10, 5000, 8000, 128});
  add_member("m2");
  start_front();
  auto ms = members();
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].name, "m1");
  EXPECT_EQ(ms[0].address, "10.77.1.2:7100");
  EXPECT_EQ(ms[0].state, MemberState::up);
  EXPECT_EQ(ms[0].reason, "");
  EXPECT_EQ(ms[0].capacity.max_vms, 10u);
  EXPECT_EQ(ms[0].capacity.free_memory_mib, 5000u);
  EXPECT_EQ(ms[0].capacity.total_memory_mib, 8000u);
  EXPECT_GT(ms[0].last_report_unix_nano, 0);
  EXPECT_EQ(ms[1].state, MemberState::up);
  EXPECT_STREQ(to_string(MemberState::refused), "refused");
}

TEST_F(FleetFrontTest, AlreadyExistsFleetWide) {
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("a").code, 0);  // m1
  RpcReply again = create("a");
  EXPECT_EQ(again.code, kAlreadyExists);
  EXPECT_EQ(again.message, "VM a already exists in namespace ns");
  EXPECT_EQ(create("a", 0, "other").code, 0) << "another namespace, another VM";
  EXPECT_EQ(placed(), 2u);
}

TEST_F(FleetFrontTest, AlreadyExistsWhileTheCreateIsInFlight) {
  add_member("m1");
  start_front();
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  auto first = send_call(key_of("ns", "a"), call_of(Method::create_vm, create_payload("a", 0)));
  settle();
  EXPECT_FALSE(first->done);
  RpcReply second = create("a");
  EXPECT_EQ(second.code, kAlreadyExists);
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, false);
  settle();
  ASSERT_TRUE(first->done);
  EXPECT_EQ(first->reply.code, 0);
  EXPECT_EQ(member("m1").placed_vms, 1u);
}

TEST_F(FleetFrontTest, RoutesEachCallToTheVmsMember) {
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("a").code, 0);  // m1
  EXPECT_EQ(create("b").code, 0);  // m2
  EXPECT_EQ(info("a").code, 0);
  EXPECT_EQ(info("b").code, 0);
  // Only m2 holds b: with m1 gone, b still answers.
  kill_member("m1");
  EXPECT_EQ(info("b").code, 0);
  EXPECT_EQ(stop("b").code, 0);
  EXPECT_EQ(member("m2").placed_vms, 0u);
  RpcReply gone = info("b");
  EXPECT_EQ(gone.code, kNotFound);
  EXPECT_EQ(gone.message, "VM b not found in namespace ns");
  EXPECT_EQ(create("b").code, 0) << "a stopped id can be created again";
}

TEST_F(FleetFrontTest, AVmThatExitsOnItsMemberLeavesThePlacement) {
  add_member("m1");
  start_front();
  EXPECT_EQ(create("a").code, 0);
  // Stopped behind the front's back (on the member's host): its exit
  // reaches the front through the member's watch.
  caf::anon_send(sims.at("m1"), call_atom::value, key_of("ns", "a"), call_of(Method::stop_vm));
  settle();
  EXPECT_EQ(placed(), 0u);
  EXPECT_EQ(info("a").code, kNotFound);
}

TEST_F(FleetFrontTest, RegistryCallsAFrontAnswersItself) {
  add_member("m1");
  start_front();
  EXPECT_EQ(create("a").code, 0);
  auto adopted = std::make_shared<std::optional<RpcReply>>();
  auto stopped = std::make_shared<std::optional<uint32_t>>();
  auto detached = std::make_shared<std::optional<uint32_t>>();
  auto to = front;
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, caf::infinite, adopt_atom::value, key_of("ns", "b"), ShimRecord{})
        .then([=](RpcReply& r) { *adopted = r; });
    self->request(to, caf::infinite, stop_all_atom::value).then([=](uint32_t n) { *stopped = n; });
  });
  settle();
  ASSERT_TRUE(adopted->has_value());
  EXPECT_EQ((*adopted)->code, static_cast<int32_t>(Code::failed_precondition));
  ASSERT_TRUE(stopped->has_value());
  EXPECT_EQ(**stopped, 0u) << "a front stops no member's VM";
  EXPECT_EQ(info("a").code, 0) << "the VM still runs";
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, caf::infinite, detach_atom::value).then([=](uint32_t n) { *detached = n; });
  });
  settle();
  ASSERT_TRUE(detached->has_value());
  EXPECT_EQ(**detached, 1u);
  RpcReply after = info("a");
  EXPECT_EQ(after.code, kUnavailable);
  EXPECT_EQ(after.message, "emberd is shutting down");
}

TEST_F(FleetFrontTest, ListMergesEveryMembersRows) {
  add_member("m1");
  add_member("m2");
  start_front();
  EXPECT_EQ(create("c", 0, "a").code, 0);  // m1
  EXPECT_EQ(create("b", 0, "a").code, 0);  // m2
  EXPECT_EQ(create("a", 0, "z").code, 0);  // m1
  auto rows = list("a", false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key.id, "b");
  EXPECT_EQ(rows[0].member, "m2");
  EXPECT_EQ(rows[1].key.id, "c");
  EXPECT_EQ(rows[1].member, "m1");
  EXPECT_FALSE(rows[1].conflict);
  auto all = list({}, true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].key.ns, "z");
  kill_member("m2");
  EXPECT_EQ(list({}, true).size(), 2u) << "a lost member's VMs are not listed";
}

TEST_F(FleetFrontTest, WatchDeliversMembersChangesWithTheMember) {
  add_member("m1");
  add_member("m2");
  start_front();
  auto seen = std::make_shared<std::vector<VmChange>>();
  caf::anon_send(front, watch_atom::value, InventoryWatch{"ns", false, [seen](const VmChange& c) {
                                                            seen->push_back(c);
                                                            return true;
                                                          }});
  settle();
  EXPECT_EQ(create("a").code, 0);              // m1
  EXPECT_EQ(create("b").code, 0);              // m2
  EXPECT_EQ(create("x", 0, "other").code, 0);  // not watched
  EXPECT_EQ(stop("a").code, 0);
  ASSERT_EQ(seen->size(), 3u);
  EXPECT_EQ((*seen)[0].type, "create");
  EXPECT_EQ((*seen)[0].vm.key.id, "a");
  EXPECT_EQ((*seen)[0].vm.member, "m1");
  EXPECT_EQ((*seen)[1].vm.member, "m2");
  EXPECT_EQ((*seen)[2].type, "exit");
}

TEST_F(FleetFrontTest, ACallTheMemberDoesNotAnswerInTimeIsDeadlineExceeded) {
  add_member("m1");
  start_front();
  EXPECT_EQ(create("a").code, 0);
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  VmCall c = call_of(Method::get_vm_info);
  c.timeout_ms = 2000;  // the caller's deadline; reports wait 3000 ms
  auto out = send_call(key_of("ns", "a"), c);
  settle();
  advance_time(std::chrono::milliseconds(2000));
  settle();
  ASSERT_TRUE(out->done);
  EXPECT_EQ(out->reply.code, static_cast<int32_t>(Code::deadline_exceeded));
  EXPECT_EQ(out->reply.message,
            "member m1 (10.77.1.2:7100) did not answer for VM a within 2000 ms");
  EXPECT_EQ(member("m1").state, MemberState::up);
}

TEST_F(FleetFrontTest, ACreateWithoutAnswerKeepsItsPlacement) {
  add_member("m1");
  add_member("m2");
  start_front();
  caf::anon_send(sims.at("m1"), sim_hold_atom::value, true);
  auto out = send_call(key_of("ns", "a"), call_of(Method::create_vm, create_payload("a", 0)));
  settle();
  trigger_timeouts();  // the front's wait for m1's answer ends first
  settle();
  ASSERT_TRUE(out->done);
  EXPECT_EQ(out->reply.code, static_cast<int32_t>(Code::deadline_exceeded));
  // m1 may hold a by now: the id stays taken, no copy goes to m2.
  EXPECT_EQ(create("a").code, kAlreadyExists);
  EXPECT_EQ(member("m2").placed_vms, 0u);
}

TEST_F(FleetFrontTest, AVmTheMemberAlreadyHoldsIsPlacedThere) {
  add_member("m1");
  start_front();
  // m1 holds b, which the front has not heard of (no report since).
  caf::anon_send(sims.at("m1"), sim_add_atom::value, FleetVm{key_of("ns", "b"), 1});
  RpcReply r = create("b");
  EXPECT_EQ(r.code, kAlreadyExists);
  EXPECT_EQ(info("b").code, 0);
  EXPECT_EQ(placed(), 1u);
}

TEST_F(FleetFrontTest, UnknownAddressLeavesTheMemberConnecting) {
  add_member("m1");
  start_front();
  settings.members.push_back(FleetMemberAddress{"m9", "10.77.9.2", 7100, "10.77.9.2:7100"});
  restart_front();
  auto m9 = member("m9");
  EXPECT_EQ(m9.state, MemberState::connecting);
  EXPECT_NE(m9.reason.find("no member at 10.77.9.2:7100"), std::string::npos) << m9.reason;
  EXPECT_EQ(member("m1").state, MemberState::up);
}

}  // namespace
}  // namespace ember::actors::testing
