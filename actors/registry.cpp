// The registry: the only owner of (namespace, VM id) -> supervisor. It answers
// AlreadyExists and the fleet limits at once, and forgets a VM before its
// StopVM (or failed CreateVM) reply reaches the caller, so an immediate
// CreateVM of the same id succeeds.
#include <caf/actor_system.hpp>
#include <caf/system_messages.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>

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

struct RegistryState {
  ActorDeps deps;
  SupervisorFactory make_supervisor;
  std::map<VmKey, supervisor_actor> vms;
  uint32_t creating = 0;  // CreateVM calls in flight

  // Forgets key only if it still maps to sup: a newer VM may have taken the id.
  void forget(const VmKey& key, const supervisor_actor& sup) {
    auto i = vms.find(key);
    if (i != vms.end() && i->second == sup) vms.erase(i);
  }

  static inline const char* name = "registry";
};

using Self = registry_actor::stateful_pointer<RegistryState>;

RpcReply unreachable(const VmKey& key, const caf::error& e, caf::actor_system& sys) {
  return reply_of(
      Status::Unavailable("supervisor of VM " + key.id + " is gone: " + sys.render(e)));
}

// Sends call to sup and relays the reply, forgetting the VM first when the
// supervisor reports it gone.
void relay(Self self, const VmKey& key, const supervisor_actor& sup, const VmCall& call,
           Promise rp, bool is_create) {
  self->request(sup, caf::infinite, call_atom::value, call)
      .then(
          [=](RpcReply& r) mutable {
            if (is_create) --self->state.creating;
            if (r.vm_gone) self->state.forget(key, sup);
            rp.deliver(std::move(r));
          },
          [=](caf::error& e) mutable {
            if (is_create) --self->state.creating;
            self->state.forget(key, sup);
            rp.deliver(unreachable(key, e, self->system()));
          });
}

caf::result<RpcReply> create(Self self, const VmKey& key, const VmCall& call) {
  auto& st = self->state;
  const auto& limits = st.deps.cfg->limits;
  if (st.vms.count(key))
    return reply_of(Status::AlreadyExists("VM " + key.id + " already exists in namespace " +
                                          key.ns));
  if (st.vms.size() >= limits.max_vms)
    return reply_of(Status::ResourceExhausted("cannot create VM " + key.id + ": " +
                                              std::to_string(st.vms.size()) +
                                              " VMs exist (limits.max_vms = " +
                                              std::to_string(limits.max_vms) + ")"));
  if (st.creating >= limits.max_concurrent_creates)
    return reply_of(Status::ResourceExhausted(
        "cannot create VM " + key.id + ": " + std::to_string(st.creating) +
        " creates in flight (limits.max_concurrent_creates = " +
        std::to_string(limits.max_concurrent_creates) + ")"));
  auto sup = st.make_supervisor(self->system(), key);
  self->monitor(sup);
  st.vms.emplace(key, sup);
  ++st.creating;
  auto rp = self->make_response_promise<RpcReply>();
  relay(self, key, sup, call, rp, true);
  return rp;
}

registry_actor::behavior_type registry(Self self, ActorDeps deps,
                                       SupervisorFactory make_supervisor) {
  self->state.deps = deps;
  self->state.make_supervisor = std::move(make_supervisor);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& vms = self->state.vms;
    for (auto i = vms.begin(); i != vms.end(); ++i) {
      if (i->second.address() == dm.source) {
        vms.erase(i);
        return;
      }
    }
  });
  return {
      [=](call_atom, const VmKey& key, const VmCall& call) -> caf::result<RpcReply> {
        if (call.method == Method::create_vm) return create(self, key, call);
        auto i = self->state.vms.find(key);
        if (i == self->state.vms.end())
          return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
        if (call.method == Method::stop_vm) {
          auto rp = self->make_response_promise<RpcReply>();
          relay(self, key, i->second, call, rp, false);
          return rp;
        }
        return self->delegate(i->second, call_atom::value, call);
      },
      [=](adopt_atom, const VmKey& key, const ShimRecord& rec) -> caf::result<RpcReply> {
        auto& st = self->state;
        if (st.vms.count(key))
          return reply_of(Status::AlreadyExists("VM " + key.id + " already exists in namespace " +
                                                key.ns));
        auto sup = st.make_supervisor(self->system(), key);
        self->monitor(sup);
        st.vms.emplace(key, sup);
        auto rp = self->make_response_promise<RpcReply>();
        self->request(sup, caf::infinite, adopt_atom::value, rec)
            .then(
                [=](RpcReply& r) mutable {
                  if (r.vm_gone) self->state.forget(key, sup);
                  rp.deliver(std::move(r));
                },
                [=](caf::error& e) mutable {
                  self->state.forget(key, sup);
                  rp.deliver(unreachable(key, e, self->system()));
                });
        return rp;
      },
      [=](stop_all_atom) -> caf::result<uint32_t> {
        auto& vms = self->state.vms;
        auto rp = self->make_response_promise<uint32_t>();
        if (vms.empty()) {
          rp.deliver(uint32_t{0});
          return rp;
        }
        auto left = std::make_shared<uint32_t>(static_cast<uint32_t>(vms.size()));
        uint32_t total = *left;
        uint32_t seconds = self->state.deps.cfg->timeouts.stop_vm_seconds;
        for (auto& [key, sup] : vms) {
          VmCall stop{Method::stop_vm, stop_vm_payload(key.id, seconds), 0};
          auto k = key;
          auto s = sup;
          auto done = [=]() mutable {
            self->state.forget(k, s);
            if (--*left == 0) rp.deliver(total);
          };
          self->request(sup, caf::infinite, call_atom::value, stop)
              .then([=](RpcReply&) mutable { done(); }, [=](caf::error&) mutable { done(); });
        }
        return rp;
      },
      [=](detach_atom) -> uint32_t {
        auto n = static_cast<uint32_t>(self->state.vms.size());
        for (auto& [key, sup] : self->state.vms) self->send(sup, detach_atom::value);
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
