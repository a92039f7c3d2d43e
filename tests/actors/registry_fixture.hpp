#pragma once
// RegistryTest: the real registry on CAF's deterministic test scheduler, with
// fake supervisors made by its SupervisorFactory. A fake records every call
// and answers only when the test says so, so each test sets the exact order
// in which replies, deaths and new calls reach the registry.
#include "caf_gtest.hpp"  // first: it configures gtest for CAF's DSL

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/actors.hpp"
#include "config/config.hpp"
#include "messages/vm_protocol.hpp"

namespace ember::actors::testing {

// What one fake supervisor saw. Shared between the fake and the test.
struct FakeLog {
  std::vector<msg::VmCall> calls;        // every call received, in arrival order
  std::vector<msg::ShimRecord> adopted;  // every adopt request received
  bool detached = false;
};

// One supervisor the registry's factory made, in creation order.
struct FakeVm {
  msg::VmKey key;
  msg::supervisor_actor handle;
  std::shared_ptr<FakeLog> log;
};

// What a client actor received for one call: a reply, or a CAF error when the
// request itself failed. done stays false while no answer arrived.
struct Outcome {
  bool done = false;
  msg::RpcReply reply;
  caf::error error;
};
using OutcomePtr = std::shared_ptr<Outcome>;

// The answer to a stop_all request.
struct CountOutcome {
  bool done = false;
  uint32_t count = 0;
  caf::error error;
};

using KeyedCall = std::pair<msg::VmKey, msg::VmCall>;

// One client actor and what it received, one Outcome per call.
struct Client {
  caf::actor actor;
  std::vector<OutcomePtr> outcomes;
  const Outcome& operator[](size_t i) const { return *outcomes.at(i); }
};

msg::VmKey key_of(std::string ns, std::string id);
msg::VmCall call_of(msg::Method method, std::string payload = {});
msg::RpcReply make_reply(Code code, std::string message, std::string payload = {});

class RegistryTest : public ::testing::Test, public test_coordinator_fixture<> {
 protected:
  RegistryTest();
  ~RegistryTest() override;

  // A new client actor that sends all calls as soon as it runs.
  Client send_together(std::vector<KeyedCall> calls);
  // A new client actor that sends each call from the reply handler of the
  // previous one, i.e. right after it saw that reply.
  Client send_chained(std::vector<KeyedCall> calls);
  Client send(msg::VmKey key, msg::VmCall call) { return send_together({{key, call}}); }
  // A new client actor that asks the registry to stop every VM.
  std::shared_ptr<CountOutcome> send_stop_all();

  // Makes fake `vm` answer its request number `call` with r. Requests (calls
  // and adopts together) are numbered from 0 in arrival order.
  void reply(size_t vm, size_t call, msg::RpcReply r);
  // Fake `vm` quits with the outcome of its request number `call` as its exit
  // reason (vm_end_reason), leaving that request to the registry: how a real
  // supervisor ends after StopVM or a failed CreateVM.
  void end_with(size_t vm, size_t call, msg::RpcReply outcome);
  // Fake `vm` quits after the messages already queued for it, leaving every
  // call it holds unanswered (a supervisor dying mid-call).
  void exit_fake(size_t vm);
  // Fake `vm` is killed before it handles anything else: calls still in its
  // mailbox bounce with request_receiver_down.
  void kill_fake(size_t vm);

  // VMs registered now. Runs every pending message first.
  uint32_t registered();
  // Methods fake `vm` received, in order.
  std::vector<msg::Method> methods_of(size_t vm) const;

  config::Config settings;  // the registry reads limits and stop timeout here
  msg::registry_actor registry;
  std::vector<FakeVm> fakes;
};

}  // namespace ember::actors::testing
