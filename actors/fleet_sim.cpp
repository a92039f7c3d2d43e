// Simulated fleet members and links (fleet_sim.hpp).
#include "actors/fleet_sim.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <functional>
#include <vector>

#include "actors/fleet.hpp"
#include "messages/fccontrol_payloads.hpp"

namespace ember::actors {
namespace {

using namespace msg;

struct SimVm {
  int64_t created_unix_nano = 0;
  uint64_t memory_mib = 0;
};

struct SimMemberState {
  std::string member;
  SimCapacity capacity;
  std::map<VmKey, SimVm> vms;
  std::vector<caf::actor> watchers;
  caf::actor observer;
  bool holding = false;
  std::vector<std::function<void()>> held;  // answers kept while holding
  static inline const char* name = "fleet-sim-member";
};

using SimSelf = sim_member_actor::stateful_pointer<SimMemberState>;

int64_t now_unix_nano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs answer now, or when the member stops holding.
void answer_or_hold(SimSelf self, std::function<void()> answer) {
  if (self->state.holding)
    self->state.held.push_back(std::move(answer));
  else
    answer();
}

void tell(SimSelf self, const std::string& type, const VmKey& key) {
  VmSummary vm;
  vm.key = key;
  vm.state = VmState::ready;
  vm.member = self->state.member;
  for (const auto& w : self->state.watchers)
    caf::anon_send(w, vm_change_atom::value, self->state.member, VmChange{type, vm, {}});
}

RpcReply create(SimSelf self, const VmKey& key, const VmCall& call) {
  auto& st = self->state;
  if (st.vms.count(key))
    return reply_of(
        Status::AlreadyExists("VM " + key.id + " already exists in namespace " + key.ns));
  if (st.vms.size() >= st.capacity.max_vms)
    return reply_of(Status::ResourceExhausted("cannot create VM " + key.id + ": " +
                                              std::to_string(st.vms.size()) + " VMs exist"));
  uint64_t mib = create_memory_mib(call.payload);
  if (mib == 0) mib = st.capacity.default_memory_mib;
  if (st.capacity.free_memory_mib < mib)
    return reply_of(Status::ResourceExhausted("cannot create VM " + key.id + ": out of memory"));
  st.capacity.free_memory_mib -= mib;
  st.vms.emplace(key, SimVm{now_unix_nano(), mib});
  tell(self, "create", key);
  return RpcReply{};
}

RpcReply answer(SimSelf self, const VmKey& key, const VmCall& call) {
  auto& st = self->state;
  if (call.method == Method::create_vm) return create(self, key, call);
  auto i = st.vms.find(key);
  if (i == st.vms.end())
    return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
  if (call.method == Method::stop_vm) {
    st.capacity.free_memory_mib += i->second.memory_mib;
    st.vms.erase(i);
    tell(self, "exit", key);
  }
  return RpcReply{};
}

MemberReport report(SimSelf self, bool with_vms) {
  auto& st = self->state;
  MemberCapacity c{static_cast<uint32_t>(st.vms.size()), st.capacity.max_vms,
                   st.capacity.free_memory_mib, st.capacity.total_memory_mib};
  MemberReport r{st.member, c, with_vms, {}};
  if (with_vms)
    for (const auto& [key, vm] : st.vms)
      r.vms.push_back(FleetVm{key, vm.created_unix_nano});
  return r;
}

std::vector<VmSummary> list(SimSelf self, const std::string& ns, bool all) {
  std::vector<VmSummary> rows;
  for (const auto& [key, vm] : self->state.vms) {
    if (!all && key.ns != ns) continue;
    VmSummary row;
    row.key = key;
    row.state = VmState::ready;
    row.guest.started_unix_nano = vm.created_unix_nano;
    row.member = self->state.member;
    rows.push_back(std::move(row));
  }
  return rows;
}

template <class T, class F>
caf::result<T> held_answer(SimSelf self, F make) {
  auto rp = self->make_response_promise<T>();
  answer_or_hold(self, [rp, make]() mutable { rp.deliver(make()); });
  return rp;
}

sim_member_actor::behavior_type sim_member(SimSelf self, std::string name, SimCapacity cap) {
  self->state.member = std::move(name);
  self->state.capacity = cap;
  return {
      [=](call_atom, const VmKey& key, const VmCall& call) {
        return held_answer<RpcReply>(self, [=] { return answer(self, key, call); });
      },
      [=](report_atom, bool with_vms) {
        return held_answer<MemberReport>(self, [=] { return report(self, with_vms); });
      },
      [=](list_atom, const std::string& ns, bool all) {
        return held_answer<std::vector<VmSummary>>(self, [=] { return list(self, ns, all); });
      },
      [=](watch_atom, const caf::actor& sink) {
        self->state.watchers.push_back(sink);
        if (self->state.observer)
          caf::anon_send(self->state.observer, watch_atom::value, self->state.member);
      },
      [=](host_atom, uint64_t free_mib, uint64_t total_mib) {
        self->state.capacity.free_memory_mib = free_mib;
        self->state.capacity.total_memory_mib = total_mib;
      },
      [=](sim_add_atom, const FleetVm& vm) {
        self->state.vms[vm.key] =
            SimVm{vm.created_unix_nano, self->state.capacity.default_memory_mib};
      },
      [=](sim_hold_atom, bool hold) {
        self->state.holding = hold;
        if (hold) return;
        auto held = std::move(self->state.held);
        self->state.held.clear();
        for (auto& f : held)
          f();
      },
      [=](sim_observe_atom, const caf::actor& observer) { self->state.observer = observer; },
  };
}

struct SimLinksState {
  std::map<std::string, fleet_member_actor> members;
  std::map<std::string, std::pair<bool, std::string>> cut;  // address -> (refused, why)
  static inline const char* name = "fleet-sim-links";
};

using LinksSelf = sim_links_actor::stateful_pointer<SimLinksState>;

sim_links_actor::behavior_type sim_links(LinksSelf self,
                                         std::map<std::string, fleet_member_actor> members) {
  self->state.members = std::move(members);
  return {
      [=](link_atom, const std::string& host, uint16_t port) -> caf::result<fleet_member_actor> {
        std::string address = host + ":" + std::to_string(port);
        auto& st = self->state;
        if (auto c = st.cut.find(address); c != st.cut.end()) {
          if (c->second.first) return fleet_link_refused(c->second.second);
          return caf::make_error(caf::sec::cannot_connect_to_node, c->second.second);
        }
        auto m = st.members.find(address);
        if (m == st.members.end())
          return caf::make_error(caf::sec::cannot_connect_to_node, "no member at " + address);
        return m->second;
      },
      [=](sim_set_atom, const std::string& address, const fleet_member_actor& member) {
        self->state.cut.erase(address);
        self->state.members[address] = member;
      },
      [=](sim_cut_atom, const std::string& address, bool refused, const std::string& why) {
        self->state.cut[address] = {refused, why};
      },
  };
}

}  // namespace

sim_member_actor spawn_sim_member(caf::actor_system& sys, std::string name, SimCapacity capacity) {
  return sys.spawn(sim_member, std::move(name), capacity);
}

sim_links_actor spawn_sim_links(caf::actor_system& sys,
                                std::map<std::string, msg::fleet_member_actor> members) {
  return sys.spawn(sim_links, std::move(members));
}

}  // namespace ember::actors
