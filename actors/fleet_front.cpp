// The fleet front (docs/fleet.md): the registry's interface over many
// members. It holds the placement ((namespace, id) -> member), decides
// ALREADY_EXISTS fleet-wide (a CreateVM in flight counts), places each
// CreateVM by the policy of fleet_placement.hpp and routes every other call
// to the VM's member. It runs no VM itself and never stops a member's VM on
// its own. Members' links, reports and failures: fleet_front_members.cpp.
#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <tuple>

#include "actors/fleet_front_state.hpp"
#include "actors/fleet_placement.hpp"
#include "config/config.hpp"
#include "messages/fccontrol_payloads.hpp"

namespace ember::actors::fleet {

using namespace msg;

RpcReply unreachable(const Member& m) {
  return reply_of(Status::Unavailable("member " + m.where.name + " (" + m.where.address +
                                      ") is unreachable: " + m.reason));
}

int64_t now_unix_nano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void place(FrontState& st, const VmKey& key, size_t i, int64_t created_unix_nano) {
  auto [it, fresh] = st.placed.try_emplace(key, Placement{i, created_unix_nano});
  if (!fresh) {
    if (it->second.member != i) --st.members[it->second.member].placed;
    if (it->second.member == i) return;
    it->second = Placement{i, created_unix_nano};
  }
  ++st.members[i].placed;
}

void unplace(FrontState& st, const VmKey& key, size_t i) {
  auto it = st.placed.find(key);
  if (it == st.placed.end() || it->second.member != i) return;
  st.placed.erase(it);
  --st.members[i].placed;
}

namespace {

// A routed call's reply changes the placement: a CreateVM that succeeded
// (or that the member already holds, or whose outcome is unknown) places
// the VM; a StopVM that succeeded, or NOT_FOUND from the member, removes it.
void apply_reply(FrontState& st, const Routed& r, const RpcReply& reply, bool outcome_unknown) {
  Member& m = st.members[r.member];
  auto code = static_cast<Code>(reply.code);
  if (r.method == Method::create_vm) {
    auto c = st.creating.find(r.key);
    if (c == st.creating.end() || c->second.member != r.member) return;
    uint64_t c_mib = c->second.memory_mib;
    m.pending_mib -= std::min(m.pending_mib, c_mib);
    st.creating.erase(c);
    --m.placed;  // counted while in flight; place() counts it again
    if (code == Code::ok || code == Code::already_exists || outcome_unknown) {
      place(st, r.key, r.member, now_unix_nano());
      // until its next report says how much is left
      uint64_t& free = m.capacity.free_memory_mib;
      free -= std::min(free, c_mib);
    }
    return;
  }
  if ((r.method == Method::stop_vm && code == Code::ok) || code == Code::not_found)
    unplace(st, r.key, r.member);
}

}  // namespace

void finish(Self self, uint64_t id, RpcReply r, bool outcome_unknown) {
  auto& st = self->state;
  auto i = st.routed.find(id);
  if (i == st.routed.end()) return;  // answered already
  Routed routed = std::move(i->second);
  st.routed.erase(i);
  apply_reply(st, routed, r, outcome_unknown);
  routed.promise.deliver(std::move(r));
}

namespace {

constexpr int64_t kMarginMs = 5000;

// How long the front waits for a member's reply: the caller's deadline;
// CreateVM and StopVM (which carry none) as long as the member itself may
// take, plus a margin.
int64_t route_timeout_ms(const config::Config& cfg, const VmCall& call) {
  int64_t seconds = 0;
  if (call.method == Method::create_vm)
    seconds = std::max(create_timeout_seconds(call.payload), cfg.timeouts.create_vm_seconds);
  else if (call.method == Method::stop_vm)
    seconds = std::max(stop_timeout_seconds(call.payload), cfg.timeouts.stop_vm_seconds);
  else if (call.timeout_ms > 0)
    return call.timeout_ms;
  else
    seconds = cfg.timeouts.call_seconds;
  return seconds * 1000 + kMarginMs;
}

RpcReply route_error(Self self, size_t i, const VmKey& key, int64_t ms, const caf::error& e) {
  const Member& m = self->state.members[i];
  if (e == caf::sec::request_timeout)
    return reply_of(Status::DeadlineExceeded("member " + m.where.name + " (" + m.where.address +
                                             ") did not answer for VM " + key.id + " within " +
                                             std::to_string(ms) + " ms"));
  return reply_of(Status::Unavailable("member " + m.where.name + " (" + m.where.address +
                                      ") is unreachable: " + self->system().render(e)));
}

caf::result<RpcReply> route(Self self, size_t i, const VmKey& key, VmCall call) {
  auto& st = self->state;
  uint64_t id = st.next_id++;
  auto rp = self->make_response_promise<RpcReply>();
  st.routed.emplace(id, Routed{i, key, call.method, rp});
  call.answer.reset();  // local to this host; the frontend answers from our reply
  int64_t ms = route_timeout_ms(*st.deps.cfg, call);
  self->request(st.members[i].handle, std::chrono::milliseconds(ms), call_atom::value, key,
                std::move(call))
      .then([=](RpcReply& r) { finish(self, id, std::move(r)); },
            [=](caf::error& e) {
              finish(self, id, route_error(self, i, key, ms, e), e == caf::sec::request_timeout);
            });
  return rp;
}

std::vector<PlacementCandidate> candidates(const FrontState& st) {
  std::vector<PlacementCandidate> out;
  for (const Member& m : st.members) {
    uint64_t free = m.capacity.free_memory_mib;
    out.push_back(PlacementCandidate{m.where.name, m.state == MemberState::up, to_string(m.state),
                                     m.placed, m.capacity.max_vms,
                                     free - std::min(free, m.pending_mib)});
  }
  return out;
}

caf::result<RpcReply> create(Self self, const VmKey& key, VmCall call) {
  auto& st = self->state;
  if (st.placed.count(key) || st.creating.count(key))
    return reply_of(
        Status::AlreadyExists("VM " + key.id + " already exists in namespace " + key.ns));
  uint64_t mib = create_memory_mib(call.payload);
  if (mib == 0) mib = st.deps.cfg->vm.memory_mib;
  size_t i = 0;
  if (Status s = choose_member(candidates(st), key.id, mib, &i); !s.ok()) {
    spdlog::warn("fleet: {}", s.message());
    return reply_of(s);
  }
  Member& m = st.members[i];
  ++m.placed;
  m.pending_mib += mib;
  st.creating.emplace(key, Creating{i, mib});
  return route(self, i, key, std::move(call));
}

caf::result<RpcReply> on_call(Self self, const VmKey& key, VmCall call) {
  auto& st = self->state;
  if (st.detached) return reply_of(Status::Unavailable("emberd is shutting down"));
  if (call.method == Method::create_vm) return create(self, key, std::move(call));
  size_t i = 0;
  if (auto c = st.creating.find(key); c != st.creating.end())
    i = c->second.member;  // the member's registry holds calls for a creating VM
  else if (auto p = st.placed.find(key); p != st.placed.end())
    i = p->second.member;
  else
    return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
  if (st.members[i].state != MemberState::up) return unreachable(st.members[i]);
  return route(self, i, key, std::move(call));
}

// emberd is exiting. The front holds no VM: it answers what is in flight
// and every later call UNAVAILABLE, and stays until emberd ends it (as the
// registry does: a front found gone would read as NOT_FOUND).
uint32_t detach(Self self) {
  auto& st = self->state;
  auto n = static_cast<uint32_t>(st.placed.size());
  std::vector<uint64_t> open;
  for (auto& [id, r] : st.routed)
    open.push_back(id);
  for (uint64_t id : open)
    finish(self, id, reply_of(Status::Unavailable("emberd is shutting down")));
  st.detached = true;
  return n;
}

std::vector<MemberStatus> member_statuses(const FrontState& st) {
  std::vector<MemberStatus> out;
  for (const Member& m : st.members) {
    MemberStatus s{m.where.name, m.where.address,         m.state, m.reason, m.placed,
                   m.capacity,   m.last_report_unix_nano, {}};
    for (const auto& [key, created] : m.conflicts)
      s.conflicts.push_back(key);
    out.push_back(std::move(s));
  }
  return out;
}

// A ListVMs over the fleet: every member that is up answers for itself; the
// rows are merged, each with its member, sorted by key.
struct Merge {
  InventoryQuery query;
  size_t waiting = 0;
  std::vector<VmSummary> rows;
  void done() {
    if (--waiting > 0) return;
    std::sort(rows.begin(), rows.end(), [](const VmSummary& a, const VmSummary& b) {
      return std::tie(a.key, a.member) < std::tie(b.key, b.member);
    });
    query.reply(std::move(rows));
  }
};

void list(Self self, InventoryQuery q) {
  auto& st = self->state;
  auto merge = std::make_shared<Merge>();
  merge->query = std::move(q);
  merge->waiting = 1;  // held until every request is out
  for (size_t i = 0; i < st.members.size(); ++i) {
    const Member& m = st.members[i];
    if (m.state != MemberState::up) continue;
    ++merge->waiting;
    self->request(m.handle, std::chrono::milliseconds(st.settings.member_timeout_ms),
                  list_atom::value, merge->query.ns, merge->query.all)
        .then(
            [=](std::vector<VmSummary>& rows) {
              const Member& m = self->state.members[i];
              for (auto& row : rows) {
                row.member = m.where.name;
                row.conflict = m.conflicts.count(row.key) > 0;
                merge->rows.push_back(std::move(row));
              }
              merge->done();
            },
            [=](caf::error&) { merge->done(); });
  }
  merge->done();
}

// A change of a member's VM: a VM that exited leaves the placement, and
// every local watch hears of it with its member.
void on_change(Self self, const std::string& member, VmChange change) {
  auto& st = self->state;
  auto i = st.by_name.find(member);
  if (i == st.by_name.end()) return;
  Member& m = st.members[i->second];
  if (change.type == "exit") {
    if (!st.creating.count(change.vm.key)) unplace(st, change.vm.key, i->second);
    m.conflicts.erase(change.vm.key);
  }
  change.vm.member = member;
  change.vm.conflict = m.conflicts.count(change.vm.key) > 0;
  auto& ws = st.watches;
  ws.erase(std::remove_if(ws.begin(), ws.end(),
                          [&](const InventoryWatch& w) {
                            if (!w.all && w.ns != change.vm.key.ns) return false;
                            return !w.deliver(change);
                          }),
           ws.end());
}

fleet_front_actor::behavior_type front(Self self, FleetFrontSettings settings,
                                       fleet_link_actor links, ActorDeps deps) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.links = std::move(links);
  st.deps = deps;
  start_members(self);
  self->set_down_handler([=](caf::down_msg& dm) { on_member_down(self, dm); });
  return {
      [=](call_atom, const VmKey& key, VmCall& call) {
        return on_call(self, key, std::move(call));
      },
      [=](adopt_atom, const VmKey&, const ShimRecord&) {
        return reply_of(Status::FailedPrecondition("a fleet front adopts no VM"));
      },
      // A front never stops its members' VMs: each member stops its own
      // when its emberd is told to (its own stop_all).
      [=](stop_all_atom) { return uint32_t{0}; },
      [=](detach_atom) { return detach(self); },
      [=](count_atom) { return static_cast<uint32_t>(self->state.placed.size()); },
      [=](members_atom) { return member_statuses(self->state); },
      [=](list_atom, InventoryQuery& q) { list(self, std::move(q)); },
      [=](watch_atom, InventoryWatch& w) { self->state.watches.push_back(std::move(w)); },
      [=](vm_change_atom, const std::string& member, VmChange& c) {
        on_change(self, member, std::move(c));
      },
      [=](tick_atom) { on_tick(self); },
  };
}

}  // namespace
}  // namespace ember::actors::fleet

namespace ember::actors {

msg::fleet_front_actor spawn_fleet_front(caf::actor_system& sys, FleetFrontSettings settings,
                                         msg::fleet_link_actor links, ActorDeps deps) {
  return sys.spawn(fleet::front, std::move(settings), std::move(links), deps);
}

caf::error fleet_link_refused(std::string why) {
  return caf::error{1, caf::atom("frefused"), caf::make_message(std::move(why))};
}

bool is_fleet_link_refused(const caf::error& e) {
  return e && e.category() == caf::atom("frefused");
}

}  // namespace ember::actors
