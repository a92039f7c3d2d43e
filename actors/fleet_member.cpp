// A fleet member's facade (docs/fleet.md): what the front reaches over the
// link. It decides nothing itself: the front's calls go to the member's own
// registry (so the registry, supervisors and shims work exactly as on one
// host), and reports, lists and watches come from its registry and
// inventory. Every answer that arrives on another thread (an AnswerOnce, an
// inventory query) comes back to this actor as a message, and the response
// promise is delivered here, inside the actor.
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "actors/fleet.hpp"
#include "config/config.hpp"

namespace ember::actors {
namespace {

using namespace msg;

using answered_atom = caf::atom_constant<caf::atom("fanswered")>;
using listed_atom = caf::atom_constant<caf::atom("flisted")>;

// The facade's own interface: the member's, plus the answers it gets back.
using member_impl_actor =
    fleet_member_actor::extend<caf::reacts_to<answered_atom, uint64_t, RpcReply>,
                               caf::reacts_to<listed_atom, uint64_t, std::vector<VmSummary>>>;

using Listed = std::function<void(std::vector<VmSummary>)>;

struct MemberState {
  std::string member;  // fleet.name
  registry_actor registry;
  inventory_actor inventory;
  ActorDeps deps;
  uint64_t free_memory_mib = 0;
  uint64_t total_memory_mib = 0;
  uint64_t next_id = 1;
  std::map<uint64_t, caf::typed_response_promise<RpcReply>> calls;
  std::map<uint64_t, Listed> listings;
  // One flag per watcher: cleared when the watcher is down, which makes its
  // InventoryWatch drop itself at the next change.
  std::map<caf::actor_addr, std::shared_ptr<std::atomic<bool>>> watchers;
  static inline const char* name = "fleet-member";
};

using Self = member_impl_actor::stateful_pointer<MemberState>;

// Asks the inventory for the VMs of ns (all: every namespace); then runs
// done inside this actor.
void list_inventory(Self self, std::string ns, bool all, Listed done) {
  auto& st = self->state;
  uint64_t id = st.next_id++;
  st.listings.emplace(id, std::move(done));
  member_impl_actor me = self;
  InventoryQuery q{std::move(ns), all, [me, id](std::vector<VmSummary> rows) {
                     caf::anon_send(me, listed_atom::value, id, std::move(rows));
                   }};
  self->send(st.inventory, list_atom::value, std::move(q));
}

caf::result<RpcReply> call(Self self, const VmKey& key, VmCall call) {
  auto& st = self->state;
  uint64_t id = st.next_id++;
  auto rp = self->make_response_promise<RpcReply>();
  st.calls.emplace(id, rp);
  member_impl_actor me = self;
  // Whoever answers first (the effects passing the shim's reply through, or
  // the registry) sends the reply here.
  auto answer = std::make_shared<AnswerOnce>(
      [me, id](const RpcReply& r) { caf::anon_send(me, answered_atom::value, id, r); });
  call.answer = answer;
  std::string member = st.member;
  self->request(st.registry, caf::infinite, call_atom::value, key, std::move(call))
      .then([answer](RpcReply& r) { answer->answer(r); },
            [answer, member, self](caf::error& e) {
              answer->answer(reply_of(Status::Unavailable("registry of fleet member " + member +
                                                          " failed: " + self->system().render(e))));
            });
  return rp;
}

MemberCapacity capacity(Self self, uint32_t vms) {
  auto& st = self->state;
  MemberCapacity c;
  c.vms = vms;
  c.max_vms = st.deps.cfg != nullptr ? st.deps.cfg->limits.max_vms : 0;
  c.free_memory_mib = st.free_memory_mib;
  c.total_memory_mib = st.total_memory_mib;
  return c;
}

caf::result<MemberReport> report(Self self, bool with_vms) {
  auto rp = self->make_response_promise<MemberReport>();
  self->request(self->state.registry, caf::infinite, count_atom::value)
      .then(
          [=](uint32_t n) mutable {
            MemberReport r{self->state.member, capacity(self, n), with_vms, {}};
            if (!with_vms) {
              rp.deliver(std::move(r));
              return;
            }
            list_inventory(self, {}, true, [rp, r](std::vector<VmSummary> rows) mutable {
              for (auto& row : rows)
                r.vms.push_back(FleetVm{std::move(row.key), row.guest.started_unix_nano});
              rp.deliver(std::move(r));
            });
          },
          [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

void watch(Self self, const caf::actor& sink) {
  auto& st = self->state;
  auto [it, fresh] = st.watchers.try_emplace(sink.address());
  if (!fresh) return;  // already watching for it
  it->second = std::make_shared<std::atomic<bool>>(true);
  self->monitor(sink);
  auto alive = it->second;
  std::string member = st.member;
  InventoryWatch w{{}, true, [sink, alive, member](const VmChange& change) {
                     if (!alive->load()) return false;
                     caf::anon_send(sink, vm_change_atom::value, member, change);
                     return true;
                   }};
  self->send(st.inventory, watch_atom::value, std::move(w));
}

member_impl_actor::behavior_type fleet_member(Self self, std::string name, registry_actor registry,
                                              inventory_actor inventory, ActorDeps deps) {
  auto& st = self->state;
  st.member = std::move(name);
  st.registry = std::move(registry);
  st.inventory = std::move(inventory);
  st.deps = deps;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto i = self->state.watchers.find(dm.source);
    if (i == self->state.watchers.end()) return;
    i->second->store(false);
    self->state.watchers.erase(i);
  });
  return {
      [=](call_atom, const VmKey& key, VmCall& c) { return call(self, key, std::move(c)); },
      [=](report_atom, bool with_vms) { return report(self, with_vms); },
      [=](list_atom, std::string& ns, bool all) -> caf::result<std::vector<VmSummary>> {
        auto rp = self->make_response_promise<std::vector<VmSummary>>();
        std::string member = self->state.member;
        list_inventory(self, std::move(ns), all, [rp, member](std::vector<VmSummary> rows) mutable {
          for (auto& row : rows)
            row.member = member;
          rp.deliver(std::move(rows));
        });
        return rp;
      },
      [=](watch_atom, const caf::actor& sink) { watch(self, sink); },
      [=](host_atom, uint64_t free_mib, uint64_t total_mib) {
        self->state.free_memory_mib = free_mib;
        self->state.total_memory_mib = total_mib;
      },
      [=](answered_atom, uint64_t id, RpcReply& r) {
        auto i = self->state.calls.find(id);
        if (i == self->state.calls.end()) return;
        i->second.deliver(std::move(r));
        self->state.calls.erase(i);
      },
      [=](listed_atom, uint64_t id, std::vector<VmSummary>& rows) {
        auto i = self->state.listings.find(id);
        if (i == self->state.listings.end()) return;
        Listed done = std::move(i->second);
        self->state.listings.erase(i);
        done(std::move(rows));
      },
  };
}

}  // namespace

msg::fleet_member_actor spawn_fleet_member(caf::actor_system& sys, std::string name,
                                           msg::registry_actor registry,
                                           msg::inventory_actor inventory, ActorDeps deps) {
  return sys.spawn(fleet_member, std::move(name), std::move(registry), std::move(inventory), deps);
}

}  // namespace ember::actors
