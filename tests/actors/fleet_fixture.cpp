#include "fleet_fixture.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "fccontrol.pb.h"

namespace ember::actors::testing {
namespace {

using namespace msg;

// Sends one request from a new client actor; *out is set by its answer.
template <class T, class... Ts>
std::shared_ptr<std::optional<T>> ask(caf::actor_system& sys, caf::actor to, Ts... xs) {
  auto out = std::make_shared<std::optional<T>>();
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(to, caf::infinite, xs...).then([out](T& v) { *out = std::move(v); });
  });
  return out;
}

}  // namespace

std::string create_payload(const std::string& id, uint32_t mib) {
  CreateVMRequest r;
  r.set_vmid(id);
  if (mib > 0) r.mutable_machinecfg()->set_memsizemib(mib);
  return r.SerializeAsString();
}

FleetTest::FleetTest() {
  settings.report_interval_ms = 0;
  settings.member_timeout_ms = 3000;
}

FleetTest::~FleetTest() {
  for (auto& [name, sim] : sims)
    caf::anon_send_exit(sim, caf::exit_reason::kill);
  if (front) caf::anon_send_exit(front, caf::exit_reason::kill);
  if (links) caf::anon_send_exit(links, caf::exit_reason::kill);
  settle();
}

sim_member_actor FleetTest::add_member(const std::string& name, SimCapacity cap) {
  std::string n = std::to_string(settings.members.size() + 1);
  settings.members.push_back(
      FleetMemberAddress{name, "10.77." + n + ".2", 7100, "10.77." + n + ".2:7100"});
  capacities[name] = cap;
  auto sim = spawn_sim_member(sys, name, cap);
  sims[name] = sim;
  return sim;
}

void FleetTest::start_front() {
  std::map<std::string, fleet_member_actor> by_address;
  for (const auto& m : settings.members)
    by_address[m.address] = sims.at(m.name);
  links = spawn_sim_links(sys, by_address);
  front = spawn_fleet_front(sys, settings, links, ActorDeps{&cfg, nullptr});
  settle();
}

void FleetTest::restart_front() {
  caf::anon_send_exit(front, caf::exit_reason::kill);
  settle();
  front = spawn_fleet_front(sys, settings, links, ActorDeps{&cfg, nullptr});
  settle();
}

void FleetTest::settle() {
  while (consume_message()) {
  }
}

void FleetTest::expire() {
  trigger_timeouts();
  settle();
}

void FleetTest::tick() {
  caf::anon_send(front, tick_atom::value);
  settle();
}

OutcomePtr FleetTest::send_call(const VmKey& key, VmCall call) {
  auto out = std::make_shared<Outcome>();
  auto to = front;
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

RpcReply FleetTest::call(const VmKey& key, VmCall c) {
  auto out = send_call(key, std::move(c));
  settle();
  EXPECT_TRUE(out->done) << "no answer for VM " << key.id;
  EXPECT_FALSE(out->error) << sys.render(out->error);
  return out->reply;
}

RpcReply FleetTest::create(const std::string& id, uint32_t mib, const std::string& ns) {
  return call(key_of(ns, id), call_of(Method::create_vm, create_payload(id, mib)));
}

RpcReply FleetTest::info(const std::string& id, const std::string& ns) {
  return call(key_of(ns, id), call_of(Method::get_vm_info));
}

RpcReply FleetTest::stop(const std::string& id, const std::string& ns) {
  return call(key_of(ns, id), call_of(Method::stop_vm));
}

std::vector<MemberStatus> FleetTest::members() {
  auto out =
      ask<std::vector<MemberStatus>>(sys, caf::actor_cast<caf::actor>(front), members_atom::value);
  settle();
  EXPECT_TRUE(out->has_value());
  return out->value_or(std::vector<MemberStatus>{});
}

MemberStatus FleetTest::member(const std::string& name) {
  for (auto& m : members())
    if (m.name == name) return m;
  ADD_FAILURE() << "no member " << name;
  return {};
}

std::vector<VmSummary> FleetTest::list(const std::string& ns, bool all) {
  auto rows = std::make_shared<std::optional<std::vector<VmSummary>>>();
  InventoryQuery q{ns, all, [rows](std::vector<VmSummary> r) { *rows = std::move(r); }};
  caf::anon_send(front, list_atom::value, std::move(q));
  settle();
  EXPECT_TRUE(rows->has_value());
  return rows->value_or(std::vector<VmSummary>{});
}

uint32_t FleetTest::placed() {
  auto out = ask<uint32_t>(sys, caf::actor_cast<caf::actor>(front), count_atom::value);
  settle();
  EXPECT_TRUE(out->has_value());
  return out->value_or(0);
}

void FleetTest::kill_member(const std::string& name) {
  caf::anon_send_exit(sims.at(name), caf::exit_reason::kill);
  settle();
}

sim_member_actor FleetTest::restart_member(const std::string& name, std::vector<FleetVm> vms) {
  auto sim = spawn_sim_member(sys, name, capacities.at(name));
  for (auto& vm : vms)
    caf::anon_send(sim, sim_add_atom::value, vm);
  sims[name] = sim;
  for (const auto& m : settings.members)
    if (m.name == name)
      caf::anon_send(links, sim_set_atom::value, m.address, fleet_member_actor{sim});
  settle();
  return sim;
}

}  // namespace ember::actors::testing
