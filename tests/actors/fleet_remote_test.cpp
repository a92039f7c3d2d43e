// The fleet over a real network link: two actor systems in one process,
// joined by CAF's plain middleman (libcaf_io) on 127.0.0.1. The front runs
// on one, a simulated member on the other; every fleet type crosses the
// wire, so a type that add_fleet_message_types forgot, or one CAF would
// serialize as nothing (an "unsafe" type), shows up here. TLS is the
// daemon's concern (libcaf_openssl, tested there).
#include <gtest/gtest.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/fleet.hpp"
#include "actors/fleet_sim.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"

namespace ember::actors {
namespace {

using namespace msg;

// A bound for each wait: reached only when the test fails.
constexpr auto kBound = std::chrono::seconds(30);

struct FleetConfig : caf::actor_system_config {
  FleetConfig() {
    load<caf::io::middleman>();
    add_fleet_message_types(*this);
    set("scheduler.max-threads", size_t{2});
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

std::string create_payload(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_memsizemib(256);
  return r.SerializeAsString();
}

VmCall call_of(Method m, std::string payload = {}) {
  return VmCall{m, std::move(payload), 0, nullptr, {{"containerd-namespace", "ns"}, {"k", "v"}}};
}

class FleetRemoteTest : public ::testing::Test {
 protected:
  FleetConfig member_cfg;
  FleetConfig front_cfg;
  caf::actor_system member_sys{member_cfg};
  caf::actor_system front_sys{front_cfg};
};

RpcReply call(caf::scoped_actor& self, const fleet_front_actor& front, const std::string& id,
              VmCall c) {
  RpcReply out{-1, "no answer", {}};
  self->request(front, kBound, call_atom::value, VmKey{"ns", id}, std::move(c))
      .receive([&](RpcReply& r) { out = std::move(r); },
               [&](caf::error& e) { out.message = self->system().render(e); });
  return out;
}

// Every type the fleet registers, sent to an echo across the link and back.
TEST_F(FleetRemoteTest, EveryFleetTypeCrossesTheLink) {
  auto echo = member_sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    self->set_default_handler(caf::reflect);
    return {[](int32_t) {}};
  });
  auto port = member_sys.middleman().publish(echo, 0, "127.0.0.1");
  ASSERT_TRUE(port) << member_sys.render(port.error());
  auto remote = front_sys.middleman().remote_actor("127.0.0.1", *port);
  ASSERT_TRUE(remote) << front_sys.render(remote.error());
  MemberStatus status{
      "m1", "10.77.1.2:7100",  MemberState::lost, "gone", 3, MemberCapacity{3, 9, 100, 200},
      77,   {VmKey{"ns", "x"}}};
  VmSummary row;
  row.key = VmKey{"ns", "x"};
  row.state = VmState::paused;
  row.guest.started_unix_nano = 42;
  row.guest.backend = "hollow";
  row.member = "m2";
  row.conflict = true;
  auto sent = caf::make_message(
      VmKey{"ns", "x"}, call_of(Method::stop_vm, "p"), RpcReply{5, "m", "p"},
      MemberReport{"m1", MemberCapacity{1, 2, 3, 4}, true, {FleetVm{VmKey{"ns", "x"}, 9}}},
      std::vector<VmSummary>{row}, VmChange{"exit", row, "why"}, std::vector<MemberStatus>{status},
      MemberState::refused, std::vector<FleetVm>{FleetVm{VmKey{"a", "b"}, 1}});
  caf::scoped_actor self{front_sys};
  bool answered = false;
  self->request(*remote, kBound, sent)
      .receive(
          [&](VmKey&, VmCall& call, RpcReply& reply, MemberReport& report,
              std::vector<VmSummary>& rows, VmChange& change, std::vector<MemberStatus>& statuses,
              MemberState state, std::vector<FleetVm>& vms) {
            answered = true;
            EXPECT_EQ(call.method, Method::stop_vm);
            EXPECT_EQ(call.metadata.size(), 2u);
            EXPECT_EQ(reply.message, "m");
            ASSERT_EQ(report.vms.size(), 1u);
            EXPECT_EQ(report.vms[0].created_unix_nano, 9);
            ASSERT_EQ(rows.size(), 1u);
            EXPECT_EQ(rows[0].guest.started_unix_nano, 42);
            EXPECT_EQ(rows[0].state, VmState::paused);
            EXPECT_EQ(rows[0].member, "m2");
            EXPECT_TRUE(rows[0].conflict);
            EXPECT_EQ(change.vm.guest.backend, "hollow");
            EXPECT_EQ(change.cause, "why");
            ASSERT_EQ(statuses.size(), 1u);
            EXPECT_EQ(statuses[0].capacity.total_memory_mib, 200u);
            EXPECT_EQ(statuses[0].conflicts.size(), 1u);
            EXPECT_EQ(state, MemberState::refused);
            EXPECT_EQ(vms.size(), 1u);
          },
          [&](caf::error& e) { ADD_FAILURE() << front_sys.render(e); });
  EXPECT_TRUE(answered);
  caf::anon_send_exit(echo, caf::exit_reason::kill);
}

// The front and a member over the link: placement, routing, reports with
// VMs, list and watch.
TEST_F(FleetRemoteTest, FrontDrivesAMemberOverTheLink) {
  auto sim = spawn_sim_member(member_sys, "m1", SimCapacity{});
  caf::scoped_actor observer{member_sys};
  caf::anon_send(sim, sim_observe_atom::value, caf::actor{observer});
  caf::anon_send(sim, sim_add_atom::value, FleetVm{VmKey{"ns", "adopted"}, 5});
  auto port = member_sys.middleman().publish(fleet_member_actor{sim}, 0, "127.0.0.1");
  ASSERT_TRUE(port) << member_sys.render(port.error());
  auto remote = front_sys.middleman().remote_actor<fleet_member_actor>("127.0.0.1", *port);
  ASSERT_TRUE(remote) << front_sys.render(remote.error());

  std::string address = "127.0.0.1:" + std::to_string(*port);
  auto links = spawn_sim_links(front_sys, {{address, *remote}});
  FleetFrontSettings settings;
  settings.members.push_back(FleetMemberAddress{"m1", "127.0.0.1", *port, address});
  settings.report_interval_ms = 0;  // no timer: nothing races the test
  settings.member_timeout_ms = 30000;
  config::Config cfg;
  auto front = spawn_fleet_front(front_sys, settings, links, ActorDeps{&cfg, nullptr});
  // The front subscribes to the member's changes right after it is up.
  bool up = false;
  observer->receive([&](watch_atom, const std::string& name) { up = name == "m1"; },
                    caf::after(kBound) >> [] {});
  ASSERT_TRUE(up);

  caf::scoped_actor self{front_sys};
  caf::scoped_actor watcher{front_sys};
  caf::actor sink = watcher;
  caf::anon_send(front, watch_atom::value, InventoryWatch{{}, true, [sink](const VmChange& c) {
                                                            caf::anon_send(sink, c);
                                                            return true;
                                                          }});
  EXPECT_EQ(call(self, front, "a", call_of(Method::create_vm, create_payload("a"))).code, 0);
  EXPECT_EQ(call(self, front, "a", call_of(Method::create_vm, create_payload("a"))).code,
            static_cast<int32_t>(Code::already_exists));
  EXPECT_EQ(call(self, front, "adopted", call_of(Method::get_vm_info)).code, 0)
      << "the member's report placed the VM it held";
  EXPECT_EQ(call(self, front, "a", call_of(Method::stop_vm)).code, 0);
  std::vector<std::string> types;
  for (int i = 0; i < 2; ++i)
    watcher->receive([&](const VmChange& c) { types.push_back(c.type + ":" + c.vm.member); },
                     caf::after(kBound) >> [] {});
  EXPECT_EQ(types, (std::vector<std::string>{"create:m1", "exit:m1"}));

  std::vector<MemberStatus> members;
  self->request(front, kBound, members_atom::value)
      .receive([&](std::vector<MemberStatus>& m) { members = std::move(m); },
               [&](caf::error& e) { ADD_FAILURE() << front_sys.render(e); });
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].state, MemberState::up);
  EXPECT_EQ(members[0].placed_vms, 1u);
  EXPECT_EQ(members[0].capacity.max_vms, SimCapacity{}.max_vms);

  caf::anon_send(*remote, host_atom::value, uint64_t{5000}, uint64_t{8000});
  MemberReport report;
  self->request(*remote, kBound, report_atom::value, true)
      .receive([&](MemberReport& r) { report = std::move(r); },
               [&](caf::error& e) { ADD_FAILURE() << front_sys.render(e); });
  EXPECT_EQ(report.member, "m1");
  EXPECT_EQ(report.capacity.free_memory_mib, 5000u);
  ASSERT_EQ(report.vms.size(), 1u);
  EXPECT_EQ(report.vms[0].created_unix_nano, 5);

  caf::anon_send(front, list_atom::value,
                 InventoryQuery{"ns", false, [sink](std::vector<VmSummary> rows) {
                                  caf::anon_send(sink, rows);
                                }});
  std::vector<VmSummary> rows;
  watcher->receive([&](std::vector<VmSummary>& r) { rows = std::move(r); },
                   caf::after(kBound) >> [] {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key.id, "adopted");
  EXPECT_EQ(rows[0].member, "m1");
  EXPECT_EQ(rows[0].guest.started_unix_nano, 5);

  caf::anon_send_exit(front, caf::exit_reason::kill);
  caf::anon_send_exit(links, caf::exit_reason::kill);
  caf::anon_send_exit(sim, caf::exit_reason::kill);
}

}  // namespace
}  // namespace ember::actors
