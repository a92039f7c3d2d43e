// The registry: the only owner of (namespace, VM id) -> supervisor. It answers
// AlreadyExists and the fleet limits at once, and forgets a VM before its
// StopVM (or failed CreateVM) reply reaches the caller, so an immediate
// CreateVM of the same id succeeds.
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
#include "actors/rpc_payloads.hpp"
#include "config/config.hpp"

namespace ember::actors {
namespace {

using namespace msg;
using Promise = caf::typed_response_promise<RpcReply>;

RpcReply reply_of(const Status& s) {
  return RpcReply{static_cast<int32_t>(s.code()), s.message(), {}, false};
}

// A call the registry requested from a supervisor and still has to answer.
// CAF 0.17 drops an unanswered request silently when its receiver dies, so
// the down handler answers these itself.
struct Relay {
  VmKey key;
  supervisor_actor sup;
  Promise promise;
  bool is_create = false;
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
  uint32_t creating = 0;  // CreateVM calls in flight
  uint64_t next_relay = 1;
  std::map<uint64_t, Relay> relays;
  std::vector<StopAll> stop_alls;

  // Forgets key only if it still maps to sup: a newer VM may have taken the id.
  void forget(const VmKey& key, const supervisor_actor& sup) {
    auto i = vms.find(key);
    if (i != vms.end() && i->second == sup) vms.erase(i);
  }

  // Answers relay id (once) and frees its create slot.
  void finish(uint64_t id, RpcReply r) {
    auto i = relays.find(id);
    if (i == relays.end()) return;  // already answered by the down handler
    Relay relay = std::move(i->second);
    relays.erase(i);
    if (relay.is_create) --creating;
    if (r.vm_gone) forget(relay.key, relay.sup);
    relay.promise.deliver(std::move(r));
  }

  // sup is gone (down, or its StopVM answered vm_gone): stop_all requests
  // waiting for nothing else are answered.
  void stop_all_progress(const caf::actor_addr& sup) {
    for (auto i = stop_alls.begin(); i != stop_alls.end();) {
      i->waiting.erase(sup);
      if (i->waiting.empty()) {
        i->promise.deliver(i->total);
        i = stop_alls.erase(i);
      } else {
        ++i;
      }
    }
  }

  static inline const char* name = "registry";
};

using Self = registry_actor::stateful_pointer<RegistryState>;

RpcReply unreachable(const VmKey& key, const std::string& why) {
  RpcReply r = reply_of(Status::Unavailable("supervisor of VM " + key.id + " is gone: " + why));
  r.vm_gone = true;
  return r;
}

// Sends a message to sup and relays its reply, forgetting the VM first when
// the supervisor reports it gone.
template <class... Ts>
void relay(Self self, const VmKey& key, const supervisor_actor& sup, Promise rp, bool is_create,
           Ts&&... xs) {
  auto& st = self->state;
  auto id = st.next_relay++;
  st.relays.emplace(id, Relay{key, sup, std::move(rp), is_create});
  if (is_create) ++st.creating;
  self->request(sup, caf::infinite, std::forward<Ts>(xs)...)
      .then([=](RpcReply& r) { self->state.finish(id, std::move(r)); },
            [=](caf::error& e) {
              self->state.finish(id, unreachable(key, self->system().render(e)));
            });
}

void on_down(Self self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto i = st.vms.begin(); i != st.vms.end(); ++i) {
    if (i->second.address() == dm.source) {
      st.vms.erase(i);
      break;
    }
  }
  std::vector<uint64_t> orphaned;
  for (auto& [id, relay] : st.relays)
    if (relay.sup.address() == dm.source) orphaned.push_back(id);
  for (auto id : orphaned) {
    auto key = st.relays[id].key;
    st.finish(id, unreachable(key, "it ended (" + to_string(dm.reason) + ")"));
  }
  st.stop_all_progress(dm.source);
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
  auto sup = st.make_supervisor(self->system(), key);
  self->monitor(sup);
  st.vms.emplace(key, sup);
  auto rp = self->make_response_promise<RpcReply>();
  relay(self, key, sup, rp, true, call_atom::value, call);
  return rp;
}

registry_actor::behavior_type registry(Self self, ActorDeps deps,
                                       SupervisorFactory make_supervisor) {
  self->state.deps = deps;
  self->state.make_supervisor = std::move(make_supervisor);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
      [=](call_atom, const VmKey& key, const VmCall& call) -> caf::result<RpcReply> {
        if (call.method == Method::create_vm) return create(self, key, call);
        auto i = self->state.vms.find(key);
        if (i == self->state.vms.end())
          return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
        if (call.method == Method::stop_vm) {
          auto rp = self->make_response_promise<RpcReply>();
          relay(self, key, i->second, rp, false, call_atom::value, call);
          return rp;
        }
        return self->delegate(i->second, call_atom::value, call);
      },
      [=](adopt_atom, const VmKey& key, const ShimRecord& rec) -> caf::result<RpcReply> {
        auto& st = self->state;
        if (st.vms.count(key))
          return reply_of(
              Status::AlreadyExists("VM " + key.id + " already exists in namespace " + key.ns));
        auto sup = st.make_supervisor(self->system(), key);
        self->monitor(sup);
        st.vms.emplace(key, sup);
        auto rp = self->make_response_promise<RpcReply>();
        relay(self, key, sup, rp, false, adopt_atom::value, rec);
        return rp;
      },
      [=](stop_all_atom) -> caf::result<uint32_t> {
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
          VmCall stop{Method::stop_vm, stop_vm_payload(key.id, seconds), 0};
          // Done for this VM when its answer says it is gone, or when it goes
          // down; an answer without vm_gone (already stopping) waits for that.
          auto s = sup;
          auto k = key;
          self->request(sup, caf::infinite, call_atom::value, std::move(stop))
              .then(
                  [=](RpcReply& r) {
                    if (!r.vm_gone) return;
                    self->state.forget(k, s);
                    self->state.stop_all_progress(s.address());
                  },
                  [](caf::error&) {});
        }
        st.stop_alls.push_back(std::move(all));
        return rp;
      },
      [=](detach_atom) -> uint32_t {
        auto n = static_cast<uint32_t>(self->state.vms.size());
        for (auto& [key, sup] : self->state.vms)
          self->send(sup, detach_atom::value);
        self->state.vms.clear();
        self->quit();
        return n;
      },
      [=](count_atom) { return static_cast<uint32_t>(self->state.vms.size()); },
  };
}

}  // namespace

msg::registry_actor spawn_registry(caf::actor_system& sys, ActorDeps deps,
                                   SupervisorFactory make_supervisor) {
  return sys.spawn(registry, deps, std::move(make_supervisor));
}

}  // namespace ember::actors
