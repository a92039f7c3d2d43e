// The registry: the only owner of (namespace, VM id) -> supervisor. It answers
// AlreadyExists and the fleet limits at once. The calls that begin or end a
// VM (CreateVM, StopVM) it relays and answers itself; every other call it
// delegates, and the supervisor answers the caller. It learns that a VM is
// gone only from the supervisor's down message, and answers the call that
// ended the VM (StopVM, a failed CreateVM) from it, so an immediate CreateVM
// of the same id succeeds.
#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "actors/actors.hpp"
#include "actors/step_noted.hpp"
#include "config/config.hpp"
#include "messages/fccontrol_payloads.hpp"

namespace ember::actors {
namespace {

using namespace msg;
using Promise = caf::typed_response_promise<RpcReply>;

// A call relayed to a supervisor, not answered yet. CAF 0.17 drops an
// unanswered request silently when its receiver ends, so the down handler
// answers what is left.
struct Relay {
  caf::actor_addr sup;
  VmKey key;
  Method method;
  Promise promise;
};

// A stop_all request: answered once every supervisor it covers went down.
struct StopAll {
  caf::typed_response_promise<uint32_t> promise;
  std::set<caf::actor_addr> waiting;
  uint32_t total = 0;
};

struct RegistryState {
  ActorDeps deps;
  SupervisorFactory make_supervisor;
  std::map<VmKey, supervisor_actor> vms;
  std::map<caf::actor_addr, VmKey> keys;  // inverse of vms
  uint32_t creating = 0;                  // CreateVM calls in flight
  uint64_t next_relay = 1;
  std::map<uint64_t, Relay> relays;
  std::vector<StopAll> stop_alls;
  // emberd is shutting down: every VM was let go, and every call is answered
  // UNAVAILABLE until emberd ends the registry (after the frontend).
  bool detached = false;

  // Answers relay id (once) and frees its create slot.
  void finish(uint64_t id, RpcReply r) {
    auto i = relays.find(id);
    if (i == relays.end()) return;  // answered already
    Relay relay = std::move(i->second);
    relays.erase(i);
    if (relay.method == Method::create_vm) --creating;
    relay.promise.deliver(std::move(r));
  }

  static inline const char* name = "registry";
};

using Self = StepNoted<caf::stateful_actor<RegistryState, registry_actor::base>>*;

RpcReply gone(const VmKey& key, const std::string& why) {
  return reply_of(Status::Unavailable("supervisor of VM " + key.id + " is gone: " + why));
}

// Sends a call to sup and relays its answer to rp.
template <class... Ts>
void relay(Self self, const VmKey& key, const supervisor_actor& sup, Method method, Promise rp,
           Ts&&... xs) {
  auto& st = self->state;
  auto id = st.next_relay++;
  st.relays.emplace(id, Relay{sup.address(), key, method, std::move(rp)});
  if (method == Method::create_vm) ++st.creating;
  self->request(sup, caf::infinite, std::forward<Ts>(xs)...)
      .then([=](RpcReply& r) { self->state.finish(id, std::move(r)); },
            [=](caf::error& e) { self->state.finish(id, gone(key, self->system().render(e))); });
}

supervisor_actor add_vm(Self self, const VmKey& key) {
  auto& st = self->state;
  auto sup = st.make_supervisor(self->system(), key);
  self->monitor(sup);
  st.vms.emplace(key, sup);
  st.keys.emplace(sup.address(), key);
  return sup;
}

// A supervisor ended: forget its VM, then answer what it left open. The call
// its exit reason names gets the outcome; any other, that the VM is gone.
void on_down(Self self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto k = st.keys.find(dm.source);
  if (k == st.keys.end()) return;
  VmKey key = k->second;
  st.keys.erase(k);
  auto v = st.vms.find(key);
  if (v != st.vms.end() && v->second.address() == dm.source) st.vms.erase(v);
  Method ended = Method::get_vm_info;
  RpcReply outcome;
  bool has_outcome = read_vm_end_reason(dm.reason, &ended, &outcome);
  std::vector<std::pair<uint64_t, Method>> open;
  for (auto& [id, relay] : st.relays)
    if (relay.sup == dm.source) open.emplace_back(id, relay.method);
  for (auto& [id, method] : open) {
    if (has_outcome && method == ended)
      st.finish(id, outcome);
    else
      st.finish(id, gone(key, "it ended (" + to_string(dm.reason) + ")"));
  }
  for (auto i = st.stop_alls.begin(); i != st.stop_alls.end();) {
    i->waiting.erase(dm.source);
    if (i->waiting.empty()) {
      i->promise.deliver(i->total);
      i = st.stop_alls.erase(i);
    } else {
      ++i;
    }
  }
}

caf::result<RpcReply> create(Self self, const VmKey& key, const VmCall& call) {
  auto& st = self->state;
  const auto& limits = st.deps.cfg->limits;
  if (st.vms.count(key))
    return reply_of(
        Status::AlreadyExists("VM " + key.id + " already exists in namespace " + key.ns));
  if (st.vms.size() >= limits.max_vms)
    return reply_of(Status::ResourceExhausted(
        "cannot create VM " + key.id + ": " + std::to_string(st.vms.size()) +
        " VMs exist (limits.max_vms = " + std::to_string(limits.max_vms) + ")"));
  if (st.creating >= limits.max_concurrent_creates)
    return reply_of(Status::ResourceExhausted(
        "cannot create VM " + key.id + ": " + std::to_string(st.creating) +
        " creates in flight (limits.max_concurrent_creates = " +
        std::to_string(limits.max_concurrent_creates) + ")"));
  auto sup = add_vm(self, key);
  auto rp = self->make_response_promise<RpcReply>();
  relay(self, key, sup, Method::create_vm, rp, call_atom::value, call);
  return rp;
}

// Stops every VM; answered when all of them went down. A VM already stopping
// answers FAILED_PRECONDITION and goes down all the same.
caf::result<uint32_t> stop_all(Self self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<uint32_t>();
  if (st.vms.empty()) {
    rp.deliver(uint32_t{0});
    return rp;
  }
  StopAll all{rp, {}, static_cast<uint32_t>(st.vms.size())};
  uint32_t seconds = st.deps.cfg->timeouts.stop_vm_seconds;
  for (auto& [key, sup] : st.vms) {
    all.waiting.insert(sup.address());
    VmCall stop{Method::stop_vm, stop_vm_payload(key.id, seconds), 0, nullptr, {}};
    self->request(sup, caf::infinite, call_atom::value, std::move(stop))
        .then([](RpcReply&) {}, [](caf::error&) {});
  }
  st.stop_alls.push_back(std::move(all));
  return rp;
}

RpcReply shutting_down() {
  return reply_of(Status::Unavailable("emberd is shutting down"));
}

// emberd is exiting: every supervisor lets go of its VM (the shims keep
// running for the next emberd), and every call still open or yet to come is
// answered UNAVAILABLE. The registry stays, so that no call finds it gone
// (which would read as NOT_FOUND); emberd ends it after the frontend.
uint32_t detach(Self self) {
  auto& st = self->state;
  auto n = static_cast<uint32_t>(st.vms.size());
  for (auto& [key, sup] : st.vms)
    self->send(sup, detach_atom::value);
  st.vms.clear();
  st.keys.clear();
  std::vector<uint64_t> open;
  for (auto& [id, relay] : st.relays)
    open.push_back(id);
  for (uint64_t id : open)
    st.finish(id, shutting_down());
  st.detached = true;
  return n;
}

registry_actor::behavior_type registry(Self self, ActorDeps deps,
                                       SupervisorFactory make_supervisor) {
  self->state.deps = deps;
  self->note_steps(deps.steps(), StepSink::Role::registry);
  self->state.make_supervisor = std::move(make_supervisor);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
      [=](call_atom, const VmKey& key, const VmCall& call) -> caf::result<RpcReply> {
        if (self->state.detached) return shutting_down();
        if (call.method == Method::create_vm) return create(self, key, call);
        auto i = self->state.vms.find(key);
        if (i == self->state.vms.end())
          return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
        // A call that cannot end the VM is the supervisor's to answer: the
        // reply goes straight back to the caller, one mailbox hop shorter
        // (docs/benchmarks.md). A supervisor answers every such call before
        // it quits; one it never read bounces as request_receiver_down.
        if (call.method != Method::stop_vm)
          return self->delegate(i->second, call_atom::value, call);
        auto rp = self->make_response_promise<RpcReply>();
        relay(self, key, i->second, call.method, rp, call_atom::value, call);
#ifdef EMBER_TEST_REGISTRY_BUG
        // Test-only bug for tests/replay: forgets a VM that is still stopping.
        if (call.method == Method::stop_vm) self->state.vms.erase(key);
#endif
        return rp;
      },
      [=](adopt_atom, const VmKey& key, const ShimRecord& rec) -> caf::result<RpcReply> {
        if (self->state.detached) return shutting_down();
        if (self->state.vms.count(key))
          return reply_of(
              Status::AlreadyExists("VM " + key.id + " already exists in namespace " + key.ns));
        auto sup = add_vm(self, key);
        auto rp = self->make_response_promise<RpcReply>();
        // Adoption is no fccontrol call; GetVMInfo stands in as a method that
        // no exit reason names.
        relay(self, key, sup, Method::get_vm_info, rp, adopt_atom::value, rec);
        return rp;
      },
      [=](stop_all_atom) { return stop_all(self); },
      [=](detach_atom) { return detach(self); },
      [=](count_atom) { return static_cast<uint32_t>(self->state.vms.size()); },
  };
}

}  // namespace

msg::registry_actor spawn_registry(caf::actor_system& sys, ActorDeps deps,
                                   SupervisorFactory make_supervisor) {
  return sys.spawn(registry, deps, std::move(make_supervisor));
}

}  // namespace ember::actors
