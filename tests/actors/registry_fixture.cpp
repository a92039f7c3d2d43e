#include "registry_fixture.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace ember::actors::testing {
namespace {

using namespace msg;
using Promise = caf::typed_response_promise<RpcReply>;

// A supervisor that never answers by itself: the test delivers its replies
// through shim_reply_atom (call number, reply), the way the real one hears
// from its shim; ends it with a call's outcome through started_atom (outcome,
// call number), as the real one ends after StopVM; and kills it through
// shim_exit_atom.
struct FakeSupervisorState {
  std::shared_ptr<FakeLog> log;
  std::vector<Promise> promises;  // one per request, by request number
  std::vector<Method> methods;    // the method of each request (adopt: get_vm_info)
  static inline const char* name = "fake-supervisor";
};

using FakeSelf = supervisor_actor::stateful_pointer<FakeSupervisorState>;

supervisor_actor::behavior_type fake_supervisor(FakeSelf self, std::shared_ptr<FakeLog> log) {
  self->state.log = std::move(log);
  return {
      [=](call_atom, const VmCall& call) -> caf::result<RpcReply> {
        self->state.log->calls.push_back(call);
        auto rp = self->make_response_promise<RpcReply>();
        self->state.promises.push_back(rp);
        self->state.methods.push_back(call.method);
        return rp;
      },
      [=](adopt_atom, const ShimRecord& rec) -> caf::result<RpcReply> {
        self->state.log->adopted.push_back(rec);
        auto rp = self->make_response_promise<RpcReply>();
        self->state.promises.push_back(rp);
        self->state.methods.push_back(Method::get_vm_info);
        return rp;
      },
      [=](shim_reply_atom, uint64_t call, RpcReply& r) {
        auto& promises = self->state.promises;
        if (call >= promises.size()) {
          ADD_FAILURE() << "the fake supervisor has no call number " << call;
          return;
        }
        promises[call].deliver(std::move(r));
      },
      // Ends with the outcome of call number `call`, leaving it unanswered.
      [=](started_atom, const RpcReply& outcome, int32_t call) {
        auto& methods = self->state.methods;
        if (call < 0 || static_cast<size_t>(call) >= methods.size()) {
          ADD_FAILURE() << "the fake supervisor has no call number " << call;
          return;
        }
        self->quit(vm_end_reason(methods[call], outcome));
      },
      // Dies like a supervisor whose actor failed: what it holds stays unanswered.
      [=](shim_exit_atom, const ShimExit&) { self->quit(); },
      [=](timer_atom, uint64_t) {},
      [=](detach_atom) {
        self->state.log->detached = true;
        self->quit();
      },
  };
}

struct Chain {
  registry_actor registry;
  std::vector<KeyedCall> calls;
  std::vector<OutcomePtr> outcomes;
};

// Sends call i of the chain; its reply handler sends call i + 1.
void send_from(caf::event_based_actor* self, std::shared_ptr<Chain> chain, size_t i) {
  if (i == chain->calls.size()) return;
  const auto& [key, call] = chain->calls[i];
  auto out = chain->outcomes[i];
  self->request(chain->registry, caf::infinite, call_atom::value, key, call)
      .then(
          [=](RpcReply& r) {
            out->done = true;
            out->reply = std::move(r);
            send_from(self, chain, i + 1);
          },
          [=](caf::error& e) {
            out->done = true;
            out->error = std::move(e);
            send_from(self, chain, i + 1);
          });
}

std::vector<OutcomePtr> fresh_outcomes(size_t n) {
  std::vector<OutcomePtr> v;
  for (size_t i = 0; i < n; ++i)
    v.push_back(std::make_shared<Outcome>());
  return v;
}

}  // namespace

msg::VmKey key_of(std::string ns, std::string id) {
  return VmKey{std::move(ns), std::move(id)};
}

msg::VmCall call_of(msg::Method method, std::string payload) {
  return VmCall{method, std::move(payload), 0, nullptr, {}};
}

msg::RpcReply make_reply(Code code, std::string message, std::string payload) {
  return RpcReply{static_cast<int32_t>(code), std::move(message), std::move(payload)};
}

RegistryTest::RegistryTest() {
  auto factory = [this](caf::actor_system& sys, VmKey key) {
    auto log = std::make_shared<FakeLog>();
    auto handle = sys.spawn(fake_supervisor, log);
    fakes.push_back(FakeVm{std::move(key), handle, log});
    return handle;
  };
  registry = spawn_registry(sys, ActorDeps{&settings, nullptr}, factory);
  run();  // spawn only queues the registry's start
}

RegistryTest::~RegistryTest() {
  // A fake holding a promise refers to itself (and to the registry): end
  // everything explicitly, or ~actor_system would wait forever.
  for (auto& f : fakes)
    caf::anon_send_exit(f.handle, caf::exit_reason::kill);
  caf::anon_send_exit(registry, caf::exit_reason::kill);
  run();
}

Client RegistryTest::send_together(std::vector<KeyedCall> calls) {
  Client c;
  c.outcomes = fresh_outcomes(calls.size());
  auto outcomes = c.outcomes;
  auto reg = registry;
  c.actor = sys.spawn([reg, calls, outcomes](caf::event_based_actor* self) {
    for (size_t i = 0; i < calls.size(); ++i) {
      auto out = outcomes[i];
      self->request(reg, caf::infinite, call_atom::value, calls[i].first, calls[i].second)
          .then(
              [out](RpcReply& r) {
                out->done = true;
                out->reply = std::move(r);
              },
              [out](caf::error& e) {
                out->done = true;
                out->error = std::move(e);
              });
    }
  });
  return c;
}

Client RegistryTest::send_chained(std::vector<KeyedCall> calls) {
  auto chain = std::make_shared<Chain>();
  chain->registry = registry;
  chain->outcomes = fresh_outcomes(calls.size());
  chain->calls = std::move(calls);
  Client c;
  c.outcomes = chain->outcomes;
  c.actor = sys.spawn([chain](caf::event_based_actor* self) { send_from(self, chain, 0); });
  return c;
}

std::shared_ptr<CountOutcome> RegistryTest::send_stop_all() {
  auto out = std::make_shared<CountOutcome>();
  auto reg = registry;
  sys.spawn([reg, out](caf::event_based_actor* self) {
    self->request(reg, caf::infinite, stop_all_atom::value)
        .then(
            [out](uint32_t n) {
              out->done = true;
              out->count = n;
            },
            [out](caf::error& e) {
              out->done = true;
              out->error = std::move(e);
            });
  });
  return out;
}

void RegistryTest::reply(size_t vm, size_t call, msg::RpcReply r) {
  ASSERT_LT(vm, fakes.size());
  caf::anon_send(fakes[vm].handle, shim_reply_atom::value, uint64_t{call}, std::move(r));
}

void RegistryTest::end_with(size_t vm, size_t call, msg::RpcReply outcome) {
  ASSERT_LT(vm, fakes.size());
  caf::anon_send(fakes[vm].handle, started_atom::value, std::move(outcome),
                 static_cast<int32_t>(call));
}

void RegistryTest::exit_fake(size_t vm) {
  ASSERT_LT(vm, fakes.size());
  caf::anon_send(fakes[vm].handle, shim_exit_atom::value, ShimExit{});
}

void RegistryTest::kill_fake(size_t vm) {
  ASSERT_LT(vm, fakes.size());
  // anon_send_exit would queue the exit behind the calls (normal priority).
  caf::anon_send<caf::message_priority::high>(
      caf::actor_cast<caf::actor>(fakes[vm].handle),
      caf::exit_msg{caf::actor_addr{}, caf::exit_reason::kill});
}

uint32_t RegistryTest::registered() {
  return request<uint32_t>(registry, count_atom::value);
}

std::vector<msg::Method> RegistryTest::methods_of(size_t vm) const {
  std::vector<Method> v;
  if (vm >= fakes.size()) return v;
  for (const auto& c : fakes[vm].log->calls)
    v.push_back(c.method);
  return v;
}

}  // namespace ember::actors::testing
