// The member facade (actors/fleet_member.cpp) over the real registry with
// fake supervisors (registry_fixture.hpp) and the real inventory.
#include "registry_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <optional>

#include "actors/fleet.hpp"

namespace ember::actors::testing {
namespace {

using namespace msg;

class FleetMemberTest : public RegistryTest {
 protected:
  FleetMemberTest() {
    settings.limits.max_vms = 7;
    inventory = spawn_inventory(sys);
    member = spawn_fleet_member(sys, "m1", registry, inventory, ActorDeps{&settings, nullptr});
    run();
  }
  ~FleetMemberTest() override {
    caf::anon_send_exit(member, caf::exit_reason::kill);
    caf::anon_send_exit(inventory, caf::exit_reason::kill);
    run();
  }

  OutcomePtr send_to_member(VmKey key, VmCall call) {
    auto out = std::make_shared<Outcome>();
    auto to = member;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(to, caf::infinite, call_atom::value, key, call)
          .then(
              [out](RpcReply& r) {
                out->done = true;
                out->reply = std::move(r);
              },
              [out](caf::error& e) {
                out->done = true;
                out->error = std::move(e);
              });
    });
    return out;
  }

  MemberReport report(bool with_vms) {
    auto out = std::make_shared<std::optional<MemberReport>>();
    auto to = member;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(to, caf::infinite, report_atom::value, with_vms).then([out](MemberReport& r) {
        *out = std::move(r);
      });
    });
    run();
    EXPECT_TRUE(out->has_value());
    return out->value_or(MemberReport{});
  }

  void add_to_inventory(const std::string& id, int64_t started) {
    VmSummary vm;
    vm.key = key_of("ns", id);
    vm.state = VmState::ready;
    caf::anon_send(inventory, vm_change_atom::value, VmChange{"create", vm, {}});
    GuestStatus g;
    g.state = VmState::ready;
    g.started_unix_nano = started;
    caf::anon_send(inventory, guest_atom::value, vm.key, g);
    run();
  }

  inventory_actor inventory;
  fleet_member_actor member;
};

TEST_F(FleetMemberTest, CallsGoToItsRegistryAndBack) {
  auto out = send_to_member(key_of("ns", "a"), call_of(Method::create_vm));
  run();
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_EQ(methods_of(0), std::vector<Method>{Method::create_vm});
  EXPECT_FALSE(out->done);
  reply(0, 0, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(out->done);
  EXPECT_EQ(out->reply.code, 0);
  auto missing = send_to_member(key_of("ns", "zz"), call_of(Method::get_vm_info));
  run();
  EXPECT_EQ(missing->reply.code, static_cast<int32_t>(Code::not_found));
}

TEST_F(FleetMemberTest, AnAnswerFromTheEffectsComesBackThroughTheMember) {
  auto out = send_to_member(key_of("ns", "a"), call_of(Method::create_vm));
  run();
  reply(0, 0, make_reply(Code::ok, ""));
  run();
  auto info = send_to_member(key_of("ns", "a"), call_of(Method::get_vm_info));
  run();
  ASSERT_EQ(fakes[0].log->calls.size(), 2u);
  auto answer = fakes[0].log->calls[1].answer;
  ASSERT_TRUE(answer) << "the member gives its own AnswerOnce to the registry";
  // The shim's reply, passed through by the effects before the supervisor
  // replied: it reaches the caller; the later reply is dropped.
  answer->answer(make_reply(Code::ok, "", "from-shim"));
  run();
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.payload, "from-shim");
  reply(0, 1, make_reply(Code::ok, "", "late"));
  run();
  EXPECT_EQ(info->reply.payload, "from-shim");
}

TEST_F(FleetMemberTest, ReportsItsCapacityAndItsVms) {
  caf::anon_send(member, host_atom::value, uint64_t{1000}, uint64_t{2000});
  send_to_member(key_of("ns", "a"), call_of(Method::create_vm));
  run();
  add_to_inventory("a", 42);
  MemberReport r = report(false);
  EXPECT_EQ(r.member, "m1");
  EXPECT_EQ(r.capacity.vms, 1u);
  EXPECT_EQ(r.capacity.max_vms, 7u);
  EXPECT_EQ(r.capacity.free_memory_mib, 1000u);
  EXPECT_EQ(r.capacity.total_memory_mib, 2000u);
  EXPECT_TRUE(r.vms.empty());
  MemberReport full = report(true);
  EXPECT_TRUE(full.with_vms);
  ASSERT_EQ(full.vms.size(), 1u);
  EXPECT_EQ(full.vms[0].key.id, "a");
  EXPECT_EQ(full.vms[0].created_unix_nano, 42);
}

TEST_F(FleetMemberTest, ListsAndWatchesItsInventory) {
  add_to_inventory("a", 1);
  auto rows = std::make_shared<std::optional<std::vector<VmSummary>>>();
  auto seen = std::make_shared<std::vector<std::pair<std::string, VmChange>>>();
  auto to = member;
  auto watcher = sys.spawn([seen](caf::event_based_actor*) -> caf::behavior {
    return {[seen](vm_change_atom, const std::string& m, const VmChange& c) {
      seen->emplace_back(m, c);
    }};
  });
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, caf::infinite, list_atom::value, std::string{"ns"}, false)
        .then([rows](std::vector<VmSummary>& r) { *rows = std::move(r); });
    self->send(to, watch_atom::value, watcher);
  });
  run();
  ASSERT_TRUE(rows->has_value());
  ASSERT_EQ((*rows)->size(), 1u);
  EXPECT_EQ((**rows)[0].member, "m1");
  add_to_inventory("b", 2);
  ASSERT_GE(seen->size(), 1u);
  EXPECT_EQ(seen->front().first, "m1");
  EXPECT_EQ(seen->front().second.vm.key.id, "b");
  size_t before = seen->size();
  caf::anon_send_exit(watcher, caf::exit_reason::kill);
  run();
  add_to_inventory("c", 3);
  EXPECT_EQ(seen->size(), before) << "a watcher that is down hears nothing more";
}

}  // namespace
}  // namespace ember::actors::testing
