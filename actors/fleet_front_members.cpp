// The fleet front's members (docs/fleet.md): links, reports, and what the
// front does when a member comes up or is lost.
//
// Each configured member is linked on start and, while it has no link, again
// every fleet.report_interval_ms. A member with a link is asked for a report
// every interval; one that does not answer within fleet.member_timeout_ms, or
// whose handle goes down, is lost: calls for its VMs answer UNAVAILABLE
// naming it, the calls in flight to it at once. A member that comes up (a
// new link, or answering again after it was lost) reports every VM it holds:
// VMs placed on it but absent are dropped, VMs it holds that the front did
// not know are placed on it (how a restarted front rebuilds its placement),
// and a key held by two members is a conflict: the copy created first wins
// (a tie: the lower member name; an unknown time counts as the latest); the
// other stays where it is, is listed as a conflict, and is never stopped by
// the front.
#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/sec.hpp>

#include <chrono>
#include <limits>
#include <set>
#include <tuple>

#include "actors/fleet_front_state.hpp"

namespace ember::actors::fleet {
namespace {

using namespace msg;

std::chrono::milliseconds timeout_of(const FrontState& st) {
  return std::chrono::milliseconds(st.settings.member_timeout_ms);
}

// Member i is not up (lost or refused, or still connecting): the calls in
// flight to it answer UNAVAILABLE naming it, as every later call for its VMs.
void set_down(Self self, size_t i, MemberState state, std::string reason) {
  auto& st = self->state;
  Member& m = st.members[i];
  bool changed = m.state != state || m.reason != reason;
  m.state = state;
  m.reason = std::move(reason);
  if (changed)
    spdlog::warn("fleet: member {} ({}) is {}: {}", m.where.name, m.where.address, to_string(state),
                 m.reason);
  std::vector<uint64_t> open;
  for (const auto& [id, r] : st.routed)
    if (r.member == i) open.push_back(id);
  for (uint64_t id : open)
    finish(self, id, unreachable(m));
}

// Lets go of member i's handle (its replies still on the way are stale).
void drop_handle(Self self, size_t i) {
  Member& m = self->state.members[i];
  if (m.handle) self->demonitor(m.handle.address());
  m.handle = nullptr;
  ++m.epoch;
  m.reporting = false;
  m.watching = false;
}

// Whether the copy of (a_created, a) wins over (b_created, b): created
// first, and on a tie the lower member name. An unknown time (0) counts as
// the latest: a copy whose creation is known wins over it.
bool wins(int64_t a_created, const std::string& a, int64_t b_created, const std::string& b) {
  auto known = [](int64_t t) { return t > 0 ? t : std::numeric_limits<int64_t>::max(); };
  int64_t a_time = known(a_created);
  int64_t b_time = known(b_created);
  return std::tie(a_time, a) < std::tie(b_time, b);
}

// Member i reported vm, which member j holds too: the rule picks the one
// that keeps the key; the other lists it as a conflict.
void resolve_conflict(FrontState& st, size_t i, const FleetVm& vm, Placement& held) {
  Member& m = st.members[i];
  Member& other = st.members[held.member];
  if (wins(vm.created_unix_nano, m.where.name, held.created_unix_nano, other.where.name)) {
    other.conflicts[vm.key] = held.created_unix_nano;
    m.conflicts.erase(vm.key);
    spdlog::warn("fleet: VM {}/{} is on {} and {}: {} keeps it (created first)", vm.key.ns,
                 vm.key.id, m.where.name, other.where.name, m.where.name);
    place(st, vm.key, i, vm.created_unix_nano);
    return;
  }
  if (!m.conflicts.count(vm.key))
    spdlog::warn("fleet: VM {}/{} is on {} and {}: {} keeps it (created first)", vm.key.ns,
                 vm.key.id, m.where.name, other.where.name, other.where.name);
  m.conflicts[vm.key] = vm.created_unix_nano;
}

// The VM dropped from the placement: a member that lost it in a conflict
// (and is up) takes it over, the first created among them.
void promote_loser(FrontState& st, const VmKey& key) {
  size_t best = st.members.size();
  int64_t best_created = 0;
  for (size_t j = 0; j < st.members.size(); ++j) {
    Member& m = st.members[j];
    auto c = m.conflicts.find(key);
    if (c == m.conflicts.end() || m.state != MemberState::up) continue;
    if (best == st.members.size() ||
        wins(c->second, m.where.name, best_created, st.members[best].where.name)) {
      best = j;
      best_created = c->second;
    }
  }
  if (best == st.members.size()) return;
  st.members[best].conflicts.erase(key);
  spdlog::warn("fleet: VM {}/{} now goes to {}, the other member that holds it", key.ns, key.id,
               st.members[best].where.name);
  place(st, key, best, best_created);
}

// Member i came up and reported every VM it holds.
void apply_full_report(Self self, size_t i, const std::vector<FleetVm>& vms) {
  auto& st = self->state;
  Member& m = st.members[i];
  std::set<VmKey> held;
  for (const FleetVm& vm : vms)
    held.insert(vm.key);
  std::vector<VmKey> absent;
  for (const auto& [key, p] : st.placed)
    if (p.member == i && !held.count(key)) absent.push_back(key);
  for (const VmKey& key : absent) {
    spdlog::warn("fleet: VM {}/{} dropped: member {} no longer holds it", key.ns, key.id,
                 m.where.name);
    unplace(st, key, i);
    promote_loser(st, key);
  }
  for (auto c = m.conflicts.begin(); c != m.conflicts.end();)
    c = held.count(c->first) ? std::next(c) : m.conflicts.erase(c);
  for (const FleetVm& vm : vms) {
    if (st.creating.count(vm.key)) continue;  // its CreateVM's reply places it
    auto p = st.placed.find(vm.key);
    if (p == st.placed.end())
      place(st, vm.key, i, vm.created_unix_nano);
    else if (p->second.member == i)
      p->second.created_unix_nano = vm.created_unix_nano;
    else
      resolve_conflict(st, i, vm, p->second);
  }
}

void on_report(Self self, size_t i, MemberReport& r) {
  auto& st = self->state;
  Member& m = st.members[i];
  if (r.member != m.where.name) {
    drop_handle(self, i);
    set_down(self, i, MemberState::refused, "it calls itself " + r.member);
    return;
  }
  m.capacity = r.capacity;
  m.last_report_unix_nano = now_unix_nano();
  if (!r.with_vms) return;
  apply_full_report(self, i, r.vms);
  if (m.state != MemberState::up)
    spdlog::info("fleet: member {} ({}) is up with {} VMs", m.where.name, m.where.address,
                 r.vms.size());
  m.state = MemberState::up;
  m.reason.clear();
  if (!m.watching) {
    // Its VMs' changes come to the front (vm_change_atom) from now on.
    self->send(m.handle, watch_atom::value, caf::actor_cast<caf::actor>(self));
    m.watching = true;
  }
}

// Asks member i for a report: with its VMs while it is not up.
void ask_report(Self self, size_t i) {
  auto& st = self->state;
  Member& m = st.members[i];
  bool with_vms = m.state != MemberState::up;
  uint64_t epoch = m.epoch;
  m.reporting = true;
  self->request(m.handle, timeout_of(st), report_atom::value, with_vms)
      .then(
          [=](MemberReport& r) {
            Member& m = self->state.members[i];
            if (m.epoch != epoch) return;  // stale: another handle since
            m.reporting = false;
            on_report(self, i, r);
          },
          [=](caf::error& e) {
            Member& m = self->state.members[i];
            if (m.epoch != epoch) return;
            m.reporting = false;
            std::string why = e == caf::sec::request_timeout
                                  ? "no report within " +
                                        std::to_string(self->state.settings.member_timeout_ms) +
                                        " ms"
                                  : self->system().render(e);
            set_down(self, i, m.state == MemberState::up ? MemberState::lost : m.state, why);
          });
}

void on_linked(Self self, size_t i, fleet_member_actor handle) {
  Member& m = self->state.members[i];
  m.linking = false;
  if (!handle) {
    set_down(self, i, m.state == MemberState::up ? MemberState::lost : m.state,
             "its link gave no actor");
    return;
  }
  drop_handle(self, i);
  m.handle = std::move(handle);
  self->monitor(m.handle);
  ask_report(self, i);
}

// The links say why in words (the error's one string), which the log line
// and `fleet members` show as is; CAF's rendering is the fallback.
std::string link_failure(Self self, const caf::error& e) {
  return e.context().match_elements<std::string>() ? e.context().get_as<std::string>(0)
                                                   : self->system().render(e);
}

void on_link_failed(Self self, size_t i, const caf::error& e) {
  Member& m = self->state.members[i];
  m.linking = false;
  if (is_fleet_link_refused(e)) {
    set_down(self, i, MemberState::refused, link_failure(self, e));
    return;
  }
  MemberState s = m.state == MemberState::connecting ? MemberState::connecting : MemberState::lost;
  set_down(self, i, s, link_failure(self, e));
}

void link(Self self, size_t i) {
  auto& st = self->state;
  Member& m = st.members[i];
  if (m.linking) return;
  m.linking = true;
  self->request(st.links, timeout_of(st), link_atom::value, m.where.host, m.where.port)
      .then([=](fleet_member_actor& h) { on_linked(self, i, std::move(h)); },
            [=](caf::error& e) { on_link_failed(self, i, e); });
}

void schedule_tick(Self self) {
  if (self->state.settings.report_interval_ms == 0) return;  // ticks come from outside
  self->delayed_send(self, std::chrono::milliseconds(self->state.settings.report_interval_ms),
                     tick_atom::value);
}

}  // namespace

void start_members(Self self) {
  auto& st = self->state;
  for (const FleetMemberAddress& where : st.settings.members) {
    st.by_name.emplace(where.name, st.members.size());
    Member m;
    m.where = where;
    m.reason = "not linked yet";
    st.members.push_back(std::move(m));
  }
  for (size_t i = 0; i < st.members.size(); ++i)
    link(self, i);
  schedule_tick(self);
}

// The front's own timer (it sends tick_atom to itself every
// report_interval_ms; with 0, whoever drives it does): links what has no
// link, asks the others for a report.
void on_tick(Self self) {
  auto& st = self->state;
  if (st.detached) return;  // no more rounds: let emberd end the front
  for (size_t i = 0; i < st.members.size(); ++i) {
    Member& m = st.members[i];
    if (!m.handle)
      link(self, i);
    else if (!m.reporting)
      ask_report(self, i);
  }
  schedule_tick(self);
}

void on_member_down(Self self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (size_t i = 0; i < st.members.size(); ++i) {
    if (!st.members[i].handle || st.members[i].handle.address() != dm.source) continue;
    drop_handle(self, i);
    set_down(self, i, MemberState::lost, "link down (" + self->system().render(dm.reason) + ")");
    return;
  }
}

}  // namespace ember::actors::fleet
