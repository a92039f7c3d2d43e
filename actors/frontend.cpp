// The frontend: turns each fccontrol request from the I/O thread into a
// registry call and answers the connection exactly once. It holds no per-VM
// state and never blocks.
#include <caf/actor_system.hpp>
#include <caf/sec.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <memory>

#include "actors/actors.hpp"
#include "base/ids.hpp"
#include "config/config.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_payloads.hpp"

namespace ember::actors {
namespace {

using namespace msg;

RpcReply map_error(const caf::error& e, const VmKey& key, caf::actor_system& sys) {
  if (e == caf::sec::request_receiver_down)
    return reply_of(Status::NotFound("VM " + key.id + " not found in namespace " + key.ns));
  return reply_of(Status::Unavailable("VM " + key.id + ": " + sys.render(e)));
}

// The deadline a call gets: the caller's, else timeouts.call_seconds. CreateVM
// and StopVM keep 0 here: theirs are bounded by their own settings
// (timeouts.create_vm_seconds, the StopVM timeout) in the supervisor.
int64_t deadline_ms(const InboundRpc& rpc, const config::Config& cfg) {
  if (rpc.timeout_nano > 0) return std::max<int64_t>(rpc.timeout_nano / 1000000, 1);
  if (rpc.method == Method::create_vm || rpc.method == Method::stop_vm) return 0;
  return int64_t{cfg.timeouts.call_seconds} * 1000;
}

// Takes no steps for the journal (actors/step_noted.hpp): it holds no state,
// so the order of its messages decides nothing that replay must follow.
frontend_actor::behavior_type frontend(frontend_actor::pointer self, registry_actor registry,
                                       ActorDeps deps) {
  return {
      [=](rpc_atom, InboundRpc& rpc) {
        if (rpc.ns.empty()) {
          rpc.reply(reply_of(Status::FailedPrecondition(
              "namespace is required: set ttrpc metadata " + std::string(ttrpc::kNamespaceKey))));
          return;
        }
        if (Status s = validate_identifier(rpc.ns, "namespace"); !s.ok()) {
          rpc.reply(reply_of(s));
          return;
        }
        VmKey key{rpc.ns, {}};
        if (Status s = decode_vm_id(rpc.method, rpc.payload, &key.id); !s.ok()) {
          rpc.reply(reply_of(s));
          return;
        }
        if (Status s = validate_identifier(key.id, "VM id"); !s.ok()) {
          rpc.reply(reply_of(s));
          return;
        }
        // Shared by both handlers and the call: the effects may answer a
        // passed-through call the moment the shim does (AnswerOnce).
        auto answer = std::make_shared<AnswerOnce>(std::move(rpc.reply));
        VmCall call{rpc.method, std::move(rpc.payload), deadline_ms(rpc, *deps.cfg), answer,
                    std::move(rpc.metadata)};
        // No CAF-level timeout: the ttrpc server answers DEADLINE_EXCEEDED at
        // the caller's deadline itself, and every call below is answered
        // (shim calls carry the deadline, the caller's or call_seconds; the
        // registry answers for a supervisor that ends). A timer per call
        // would cost memory until the deadline passes.
        self->request(registry, caf::infinite, call_atom::value, key, std::move(call))
            .then([answer](RpcReply& r) { answer->answer(r); },
                  [=](caf::error& e) { answer->answer(map_error(e, key, self->system())); });
      },
  };
}

}  // namespace

msg::frontend_actor spawn_frontend(caf::actor_system& sys, msg::registry_actor registry,
                                   ActorDeps deps) {
  return sys.spawn(frontend, std::move(registry), deps);
}

}  // namespace ember::actors
