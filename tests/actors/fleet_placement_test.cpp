// The placement policy `fewest-vms` (actors/fleet_placement.hpp): as a pure
// function, and through the front against simulated members.
#include "fleet_fixture.hpp"

#include "actors/fleet_placement.hpp"

namespace ember::actors::testing {
namespace {

using namespace msg;

PlacementCandidate up(const char* name, uint32_t placed, uint64_t free_mib,
                      uint32_t max_vms = 4096) {
  return PlacementCandidate{name, true, "up", placed, max_vms, free_mib};
}

TEST(FleetPlacement, FewestPlacedFirst) {
  size_t chosen = 99;
  ASSERT_TRUE(
      choose_member({up("m1", 3, 9000), up("m2", 2, 1000), up("m3", 4, 9000)}, "x", 128, &chosen)
          .ok());
  EXPECT_EQ(chosen, 1u);
}

TEST(FleetPlacement, ThenMostFreeMemoryThenName) {
  size_t chosen = 99;
  ASSERT_TRUE(
      choose_member({up("m1", 2, 1000), up("m2", 2, 5000), up("m3", 2, 3000)}, "x", 128, &chosen)
          .ok());
  EXPECT_EQ(chosen, 1u);
  ASSERT_TRUE(
      choose_member({up("m3", 2, 5000), up("m1", 2, 5000), up("m2", 2, 5000)}, "x", 128, &chosen)
          .ok());
  EXPECT_EQ(chosen, 1u) << "equal members: the lowest name";
}

TEST(FleetPlacement, SkipsLostFullAndShortOfMemory) {
  PlacementCandidate lost{"m1", false, "lost", 0, 4096, 1 << 20};
  size_t chosen = 99;
  ASSERT_TRUE(choose_member({lost, up("m2", 4, 4000, 4), up("m3", 0, 100), up("m4", 9, 4000)}, "x",
                            1024, &chosen)
                  .ok());
  EXPECT_EQ(chosen, 3u);
}

TEST(FleetPlacement, NoneFitsSaysWhyForEachMember) {
  PlacementCandidate lost{"m1", false, "lost", 0, 4096, 1 << 20};
  size_t chosen = 99;
  Status s =
      choose_member({lost, up("m2", 4096, 9000, 4096), up("m3", 0, 512)}, "x", 1024, &chosen);
  EXPECT_EQ(s.code(), Code::resource_exhausted);
  EXPECT_EQ(s.message(),
            "no fleet member can take VM x: m1 is lost, m2 is full (4096 of 4096 VMs), m3 has "
            "512 MiB free, 1024 needed");
  EXPECT_EQ(chosen, 99u);
  EXPECT_EQ(choose_member({}, "x", 1, &chosen).message(),
            "no fleet member can take VM x: the fleet has no member");
}

using FleetPlacementTest = FleetTest;

TEST_F(FleetPlacementTest, ThreeHundredCreatesSpreadEvenly) {
  add_member("m1");
  add_member("m2");
  add_member("m3");
  start_front();
  // All sent together: the front counts creates in flight, so the burst
  // spreads before any member answers.
  std::vector<OutcomePtr> outs;
  for (int i = 0; i < 300; ++i) {
    std::string id = "vm" + std::to_string(i);
    outs.push_back(send_call(key_of("ns", id), call_of(Method::create_vm, create_payload(id, 0))));
  }
  settle();
  for (auto& o : outs) {
    ASSERT_TRUE(o->done);
    EXPECT_EQ(o->reply.code, 0) << o->reply.message;
  }
  for (const auto& m : members()) {
    EXPECT_EQ(m.placed_vms, 100u) << m.name;
    EXPECT_EQ(m.state, MemberState::up) << m.name;
  }
  EXPECT_EQ(placed(), 300u);
}

TEST_F(FleetPlacementTest, MemoryAndLimitsAsReported) {
  add_member("m1", SimCapacity{2, 1 << 20, 1 << 20, 128});
  add_member("m2", SimCapacity{4096, 1000, 1000, 128});
  start_front();
  EXPECT_EQ(create("a", 512).code, 0);  // m1: fewer? equal (0), m1 has more memory
  EXPECT_EQ(create("b", 512).code, 0);  // m2: fewer placed
  EXPECT_EQ(member("m1").placed_vms, 1u);
  EXPECT_EQ(member("m2").placed_vms, 1u);
  EXPECT_EQ(create("c", 512).code, 0);  // m1 (1 of 2); m2 last said 1000 MiB free
  EXPECT_EQ(member("m1").placed_vms, 2u);
  tick();  // m2 now says 488 MiB free
  RpcReply r = create("d", 512);
  EXPECT_EQ(r.code, static_cast<int32_t>(Code::resource_exhausted));
  EXPECT_EQ(r.message,
            "no fleet member can take VM d: m1 is full (2 of 2 VMs), m2 has 488 MiB free, 512 "
            "needed");
  EXPECT_EQ(create("e", 256).code, 0);
  EXPECT_EQ(member("m2").placed_vms, 2u);
}

TEST_F(FleetPlacementTest, LostMemberTakesNoCreate) {
  add_member("m1");
  add_member("m2");
  start_front();
  kill_member("m1");
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(create("vm" + std::to_string(i)).code, 0);
  EXPECT_EQ(member("m1").placed_vms, 0u);
  EXPECT_EQ(member("m2").placed_vms, 4u);
}

}  // namespace
}  // namespace ember::actors::testing
