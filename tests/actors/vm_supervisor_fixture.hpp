#pragma once
// VmSupervisorTest: one real supervisor on CAF's deterministic test scheduler,
// over simulated effects (sim_effects.hpp). Calls come from client actors as
// the registry's would; completions are injected through the VmEvents the
// supervisor handed its effects; a watcher records how the supervisor ended.
#include "caf_gtest.hpp"  // first: it configures gtest for CAF's DSL

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "actors/actors.hpp"
#include "config/config.hpp"
#include "messages/vm_protocol.hpp"
#include "metrics/ember_metrics.hpp"
#include "sim_effects.hpp"

namespace ember::actors::testing {

// What a client received for one request; done stays false until then.
struct Answer {
  bool done = false;
  msg::RpcReply reply;
  caf::error error;
};
using AnswerPtr = std::shared_ptr<Answer>;

// How the supervisor ended, once it did.
struct SupervisorEnd {
  bool ended = false;
  caf::error reason;
  // The call its exit reason names and that call's outcome, if it names one.
  bool names_call = false;
  msg::Method method = msg::Method::get_vm_info;
  msg::RpcReply outcome;
};

class VmSupervisorTest : public ::testing::Test, public test_coordinator_fixture<> {
 protected:
  VmSupervisorTest();
  ~VmSupervisorTest() override;

  // Sends a call (or an adoption) to the supervisor from a new client actor
  // and runs every actor that has work.
  AnswerPtr call(msg::Method method, std::string payload = {}, int64_t timeout_ms = 0);
  // A call carrying the caller's answer, as the frontend sends one.
  AnswerPtr call_with_answer(msg::Method method, std::shared_ptr<msg::AnswerOnce> answer);
  AnswerPtr adopt(msg::ShimRecord record);
  void detach();

  // Completions, as the effects would report them; each runs the actors.
  void started(Status s, int32_t pid);
  void shim_reply(uint64_t call_id, Code code, std::string message = {}, std::string payload = {});
  void shim_exit(int32_t code, int32_t signal);
  void timer(uint64_t token);

  // Brought to running by CreateVM (shim pid 42); the CreateVM caller is answered.
  void create_running();
  // create_running, then StopVM sent; returns the StopVM's answer slot.
  AnswerPtr start_stopping(uint32_t timeout_seconds = 0);

  SimVm& vm() { return *effects.vms.at(0); }
  const std::vector<std::string>& effects_seen() { return vm().effects; }

  // Before sup: the supervisor's meter reports to it until the actor is gone.
  metrics::Metrics counters{{"CreateVM", "StopVM"}, "hollow"};
  const msg::VmKey key{"ns1", "vm1"};
  config::Config settings;
  SimEffectsFactory effects;
  msg::supervisor_actor sup;
  std::shared_ptr<SupervisorEnd> ending = std::make_shared<SupervisorEnd>();

 private:
  caf::actor watcher_;
};

// A StopVMRequest payload (TimeoutSeconds 0 leaves it unset).
std::string stop_payload(uint32_t timeout_seconds);

}  // namespace ember::actors::testing
