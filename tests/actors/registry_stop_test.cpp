// The registry's StopVM path, calls for unknown VMs, and the interleavings of
// creates, stops and supervisor deaths that real processes make rare.
#include "registry_fixture.hpp"  // first

#include <caf/system_messages.hpp>

#include <string>
#include <vector>

namespace ember::actors::testing {
namespace {

using msg::Method;

const msg::VmKey kVm1 = key_of("ns1", "vm1");

KeyedCall create(const msg::VmKey& key) {
  return {key, call_of(Method::create_vm, "create " + key.id)};
}
KeyedCall stop(const msg::VmKey& key) {
  return {key, call_of(Method::stop_vm, "stop " + key.id)};
}
KeyedCall info(const msg::VmKey& key) {
  return {key, call_of(Method::get_vm_info)};
}

class RegistryStopTest : public RegistryTest {
 protected:
  // kVm1 created and running, as fake 0.
  void CreateRunningVm() {
    auto c = send(kVm1, create(kVm1).second);
    run();
    reply(0, 0, make_reply(Code::ok, ""));
    run();
    ASSERT_TRUE(c[0].done);
    ASSERT_EQ(c[0].reply.code, 0);
  }
};

TEST_F(RegistryStopTest, StopVmOutcomeIsAnsweredFromTheDownMessageAfterTheVmIsForgotten) {
  CreateRunningVm();
  // The create is sent from the stop reply's handler: it may only succeed if
  // the registry forgot the VM before answering. The supervisor leaves the
  // StopVM unanswered and quits with its outcome; the down message carries it.
  auto c = send_chained({stop(kVm1), create(kVm1)});
  run();
  ASSERT_EQ(methods_of(0), (std::vector<Method>{Method::create_vm, Method::stop_vm}));
  EXPECT_EQ(fakes[0].log->calls[1].payload, "stop vm1");
  EXPECT_FALSE(c[0].done);  // answered only when the supervisor answers

  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 0);
  EXPECT_FALSE(c[1].done);  // accepted: a new supervisor is creating
  ASSERT_EQ(fakes.size(), 2u);
  EXPECT_EQ(fakes[1].key, kVm1);
  EXPECT_EQ(methods_of(1), std::vector<Method>{Method::create_vm});
}

TEST_F(RegistryStopTest, StopVmAnsweredByTheSupervisorItselfKeepsTheVm) {
  CreateRunningVm();
  auto c = send(kVm1, stop(kVm1).second);
  run();
  reply(0, 1, make_reply(Code::failed_precondition, "VM vm1 is stopping"));
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 9);
  EXPECT_EQ(c[0].reply.message, "VM vm1 is stopping");
  EXPECT_EQ(registered(), 1u);

  auto again = send(kVm1, create(kVm1).second);
  run();
  ASSERT_TRUE(again[0].done);
  EXPECT_EQ(again[0].reply.code, 6);
  auto next = send(kVm1, info(kVm1).second);
  run();
  EXPECT_EQ(methods_of(0),
            (std::vector<Method>{Method::create_vm, Method::stop_vm, Method::get_vm_info}));
}

TEST_F(RegistryStopTest, CallsForAnUnknownVmAreNotFoundNamingIdAndNamespace) {
  CreateRunningVm();  // vm1 in ns1 exists; neither of these is it
  auto c = send_together({stop(key_of("ns1", "vm9")), info(key_of("ns2", "vm1"))});
  run();
  ASSERT_TRUE(c[0].done && c[1].done);
  EXPECT_EQ(c[0].reply.code, 5);
  EXPECT_EQ(c[0].reply.message, "VM vm9 not found in namespace ns1");
  EXPECT_EQ(c[1].reply.code, 5);
  EXPECT_EQ(c[1].reply.message, "VM vm1 not found in namespace ns2");
  EXPECT_EQ(fakes.size(), 1u);
  EXPECT_EQ(methods_of(0), std::vector<Method>{Method::create_vm});
}

TEST_F(RegistryStopTest, OtherCallsAreDelegatedAndAnsweredByTheSupervisor) {
  CreateRunningVm();
  auto c = send(kVm1, info(kVm1).second);
  sched.run_once();
  expect((msg::call_atom, msg::VmKey, msg::VmCall), from(c.actor).to(registry));
  // Delegated: the supervisor sees the client as sender and answers it directly.
  expect((msg::call_atom, msg::VmCall), from(c.actor).to(fakes[0].handle));
  reply(0, 1, make_reply(Code::ok, "", "info"));
  expect((msg::shim_reply_atom, uint64_t, msg::RpcReply), from(_).to(fakes[0].handle));
  expect((msg::RpcReply), from(fakes[0].handle).to(c.actor));
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.payload, "info");
}

TEST_F(RegistryStopTest, StopVmDuringCreateVmReachesTheSameSupervisorInOrder) {
  auto c = send_together({create(kVm1), stop(kVm1)});
  run();
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_EQ(methods_of(0), (std::vector<Method>{Method::create_vm, Method::stop_vm}));
  EXPECT_FALSE(c[0].done);
  EXPECT_FALSE(c[1].done);

  reply(0, 0, make_reply(Code::ok, ""));
  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(c[0].done && c[1].done);
  EXPECT_EQ(c[0].reply.code, 0);
  EXPECT_EQ(c[1].reply.code, 0);
  EXPECT_EQ(registered(), 0u);
}

TEST_F(RegistryStopTest, TwoCreateVmsRacingWithAStopVmSeeExactlyOneVm) {
  struct Order {
    std::vector<int> kinds;  // 0: create, 1: stop, in the order the registry sees them
    std::vector<int> codes;  // the immediate answers; -1: relayed, still waiting
  };
  const std::vector<Order> orders = {
      {{0, 0, 1}, {-1, 6, -1}},
      {{0, 1, 0}, {-1, -1, 6}},
      {{1, 0, 0}, {5, -1, 6}},
  };
  for (size_t n = 0; n < orders.size(); ++n) {
    SCOPED_TRACE("order " + std::to_string(n));
    const auto key = key_of("ns1", "race" + std::to_string(n));
    std::vector<KeyedCall> calls;
    for (int k : orders[n].kinds)
      calls.push_back(k == 0 ? create(key) : stop(key));
    size_t fake = fakes.size();
    auto c = send_together(calls);
    run();
    ASSERT_EQ(fakes.size(), fake + 1);  // exactly one supervisor
    for (size_t i = 0; i < calls.size(); ++i) {
      if (orders[n].codes[i] < 0) {
        EXPECT_FALSE(c[i].done) << "call " << i;
      } else {
        ASSERT_TRUE(c[i].done) << "call " << i;
        EXPECT_EQ(c[i].reply.code, orders[n].codes[i]) << "call " << i;
      }
    }
    // The supervisor got the accepted create first, then any relayed stop.
    auto methods = methods_of(fake);
    ASSERT_FALSE(methods.empty());
    EXPECT_EQ(methods[0], Method::create_vm);
    reply(fake, 0, make_reply(Code::ok, ""));
    if (methods.size() > 1) end_with(fake, 1, make_reply(Code::ok, ""));
    run();
    for (size_t i = 0; i < calls.size(); ++i)
      EXPECT_TRUE(c[i].done) << "call " << i;
    // Stopped when a stop was relayed; running otherwise.
    EXPECT_EQ(registered(), methods.size() == 2 ? 0u : 1u);
    if (methods.size() == 1) {
      auto s = send(key, stop(key).second);
      run();
      end_with(fake, 1, make_reply(Code::ok, ""));
      run();
      ASSERT_TRUE(s[0].done);
    }
    EXPECT_EQ(registered(), 0u);
  }
}

// Regression (fixed in actors/registry.cpp: relays are answered on down):
TEST_F(RegistryStopTest, SupervisorDyingDuringStopVmFailsTheCallAndForgetsTheVm) {
  CreateRunningVm();
  auto c = send(kVm1, stop(kVm1).second);
  run();
  ASSERT_EQ(methods_of(0), (std::vector<Method>{Method::create_vm, Method::stop_vm}));
  exit_fake(0);  // it dies holding the StopVM call
  expect((msg::shim_exit_atom, msg::ShimExit), from(_).to(fakes[0].handle));
  expect((caf::down_msg), from(_).to(registry));
  run();
  EXPECT_EQ(registered(), 0u);
  ASSERT_TRUE(c[0].done) << "the StopVM caller got no reply";
  EXPECT_NE(c[0].reply.code, 0);
  EXPECT_NE(c[0].reply.message.find("vm1"), std::string::npos) << c[0].reply.message;
}

TEST_F(RegistryStopTest, SupervisorDyingDuringStopVmIsForgotten) {
  // The half of the scenario above that works today: the entry goes.
  CreateRunningVm();
  send(kVm1, stop(kVm1).second);
  run();
  exit_fake(0);
  run();
  EXPECT_EQ(registered(), 0u);
  auto again = send(kVm1, create(kVm1).second);
  run();
  EXPECT_FALSE(again[0].done);
  EXPECT_EQ(fakes.size(), 2u);
}

TEST_F(RegistryStopTest, SupervisorKilledWithStopVmInItsMailboxFailsTheCall) {
  CreateRunningVm();
  auto c = send(kVm1, stop(kVm1).second);
  sched.run_once();
  expect((msg::call_atom, msg::VmKey, msg::VmCall), from(c.actor).to(registry));
  kill_fake(0);  // before it took the StopVM: the request bounces
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 14);
  EXPECT_EQ(c[0].reply.message.rfind("supervisor of VM vm1 is gone: ", 0), 0u)
      << c[0].reply.message;
  EXPECT_EQ(registered(), 0u);
}

TEST_F(RegistryStopTest, SupervisorDyingWhileRunningIsForgotten) {
  CreateRunningVm();
  exit_fake(0);
  expect((msg::shim_exit_atom, msg::ShimExit), from(_).to(fakes[0].handle));
  expect((caf::down_msg), from(_).to(registry));
  EXPECT_EQ(registered(), 0u);
}

TEST_F(RegistryStopTest, EveryStopVmHeldWhenTheVmEndsHearsItsOutcome) {
  // The exit reason names StopVM: each StopVM the registry still relays gets
  // the outcome, after the VM is forgotten.
  CreateRunningVm();
  auto c = send_together({stop(kVm1), stop(kVm1)});
  run();
  ASSERT_EQ(methods_of(0),
            (std::vector<Method>{Method::create_vm, Method::stop_vm, Method::stop_vm}));
  end_with(0, 1, make_reply(Code::internal, "forcefully terminated VM vm1"));
  run();
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(c[i].done) << i;
    EXPECT_EQ(c[i].reply.code, 13) << i;
    EXPECT_EQ(c[i].reply.message, "forcefully terminated VM vm1") << i;
  }
  EXPECT_EQ(registered(), 0u);
}

}  // namespace
}  // namespace ember::actors::testing
