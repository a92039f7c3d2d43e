// The registry's CreateVM path: one supervisor per key, ALREADY_EXISTS at
// once, the fleet limits, and a failed create forgotten before its reply.
#include "registry_fixture.hpp"  // first

#include <string>
#include <vector>

namespace ember::actors::testing {
namespace {

using msg::Method;

const msg::VmKey kVm1 = key_of("ns1", "vm1");
const msg::VmKey kVm2 = key_of("ns1", "vm2");
const msg::VmKey kVm3 = key_of("ns1", "vm3");

KeyedCall create(const msg::VmKey& key) {
  return {key, call_of(Method::create_vm, "create " + key.id)};
}

TEST_F(RegistryTest, CreateVmForANewKeySpawnsOneSupervisorAndRelaysItsReply) {
  auto client = send(kVm1, create(kVm1).second);
  sched.run_once();  // the client starts and sends its request
  expect((msg::call_atom, msg::VmKey, msg::VmCall),
         from(client.actor).to(registry).with(_, kVm1, _));
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_EQ(fakes[0].key, kVm1);
  expect((msg::call_atom, msg::VmCall), from(registry).to(fakes[0].handle));
  ASSERT_EQ(fakes[0].log->calls.size(), 1u);
  EXPECT_EQ(fakes[0].log->calls[0].method, Method::create_vm);
  EXPECT_EQ(fakes[0].log->calls[0].payload, "create vm1");  // forwarded unchanged
  EXPECT_FALSE(client[0].done);                             // the supervisor has not answered

  reply(0, 0, make_reply(Code::ok, "", "created"));
  expect((msg::shim_reply_atom, uint64_t, msg::RpcReply), from(_).to(fakes[0].handle));
  expect((msg::RpcReply), from(fakes[0].handle).to(registry));
  expect((msg::RpcReply), from(registry).to(client.actor));
  ASSERT_TRUE(client[0].done);
  EXPECT_EQ(client[0].reply.code, 0);
  EXPECT_EQ(client[0].reply.payload, "created");
  EXPECT_EQ(fakes.size(), 1u);
  EXPECT_EQ(registered(), 1u);
}

TEST_F(RegistryTest, SecondCreateVmWhileTheFirstIsCreatingIsAlreadyExistsAtOnce) {
  auto first = send(kVm1, create(kVm1).second);
  run();
  ASSERT_EQ(fakes.size(), 1u);
  ASSERT_FALSE(first[0].done);

  auto second = send(kVm1, create(kVm1).second);
  run();
  ASSERT_TRUE(second[0].done);  // without the first create having finished
  EXPECT_EQ(second[0].reply.code, 6);
  EXPECT_EQ(second[0].reply.message, "VM vm1 already exists in namespace ns1");
  EXPECT_EQ(fakes.size(), 1u);                // the factory was not called again
  EXPECT_EQ(fakes[0].log->calls.size(), 1u);  // nor the supervisor bothered
  EXPECT_FALSE(first[0].done);
}

TEST_F(RegistryTest, CreateVmOfARunningVmIsAlreadyExists) {
  auto first = send(kVm1, create(kVm1).second);
  run();
  reply(0, 0, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(first[0].done);
  auto second = send(kVm1, create(kVm1).second);
  run();
  ASSERT_TRUE(second[0].done);
  EXPECT_EQ(second[0].reply.code, 6);
  EXPECT_EQ(fakes.size(), 1u);
}

TEST_F(RegistryTest, MaxVmsIsResourceExhaustedNamingTheLimit) {
  settings.limits.max_vms = 2;
  auto c = send_together({create(kVm1), create(kVm2)});
  run();
  reply(0, 0, make_reply(Code::ok, ""));
  reply(1, 0, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(c[0].done && c[1].done);

  auto third = send(kVm3, create(kVm3).second);
  run();
  ASSERT_TRUE(third[0].done);
  EXPECT_EQ(third[0].reply.code, 8);
  EXPECT_EQ(third[0].reply.message, "cannot create VM vm3: 2 VMs exist (limits.max_vms = 2)");
  EXPECT_EQ(fakes.size(), 2u);

  // Once a VM is gone there is room again.
  auto stop = send(kVm1, call_of(Method::stop_vm));
  run();
  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(stop[0].done);
  auto fourth = send(kVm3, create(kVm3).second);
  run();
  EXPECT_FALSE(fourth[0].done);  // accepted: waiting for its supervisor
  ASSERT_EQ(fakes.size(), 3u);
  EXPECT_EQ(fakes[2].key, kVm3);
}

TEST_F(RegistryTest, MaxVmsCountsVmsStillBeingCreated) {
  settings.limits.max_vms = 1;
  send(kVm1, create(kVm1).second);
  run();
  auto second = send(kVm2, create(kVm2).second);
  run();
  ASSERT_TRUE(second[0].done);
  EXPECT_EQ(second[0].reply.code, 8);
  EXPECT_NE(second[0].reply.message.find("limits.max_vms = 1"), std::string::npos)
      << second[0].reply.message;
}

TEST_F(RegistryTest, MaxConcurrentCreatesIsResourceExhaustedNamingTheLimit) {
  settings.limits.max_concurrent_creates = 1;
  auto first = send(kVm1, create(kVm1).second);
  run();
  auto second = send(kVm2, create(kVm2).second);
  run();
  ASSERT_TRUE(second[0].done);
  EXPECT_EQ(second[0].reply.code, 8);
  EXPECT_EQ(second[0].reply.message,
            "cannot create VM vm2: 1 creates in flight (limits.max_concurrent_creates = 1)");
  EXPECT_EQ(fakes.size(), 1u);

  // The slot is free once the first create's reply arrived.
  reply(0, 0, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(first[0].done);
  auto third = send(kVm2, create(kVm2).second);
  run();
  EXPECT_FALSE(third[0].done);
  EXPECT_EQ(fakes.size(), 2u);
}

TEST_F(RegistryTest, FailedCreateVmReplyFreesItsConcurrentCreateSlot) {
  settings.limits.max_concurrent_creates = 1;
  auto first = send(kVm1, create(kVm1).second);
  run();
  end_with(0, 0, make_reply(Code::internal, "VMM failed to start"));
  run();
  ASSERT_TRUE(first[0].done);
  EXPECT_EQ(first[0].reply.code, 13);
  auto second = send(kVm2, create(kVm2).second);
  run();
  EXPECT_FALSE(second[0].done);
  EXPECT_EQ(fakes.size(), 2u);
}

TEST_F(RegistryTest, CreateVmBouncedByADeadSupervisorIsUnavailableAndFreesItsSlot) {
  settings.limits.max_concurrent_creates = 1;
  auto first = send(kVm1, create(kVm1).second);
  sched.run_once();  // the client sends
  expect((msg::call_atom, msg::VmKey, msg::VmCall), from(first.actor).to(registry));
  ASSERT_EQ(fakes.size(), 1u);
  kill_fake(0);  // dies with the create still in its mailbox
  run();
  ASSERT_TRUE(first[0].done);
  EXPECT_EQ(first[0].reply.code, 14);
  EXPECT_EQ(first[0].reply.message.rfind("supervisor of VM vm1 is gone: ", 0), 0u)
      << first[0].reply.message;
  EXPECT_EQ(registered(), 0u);
  auto second = send(kVm1, create(kVm1).second);
  run();
  EXPECT_FALSE(second[0].done);
  EXPECT_EQ(fakes.size(), 2u);
}

TEST_F(RegistryTest, FailedCreateVmIsForgottenBeforeTheCallerSeesTheReply) {
  // The client retries from inside the handler of the failed reply, before
  // the failed supervisor has even quit: the retry must be accepted.
  auto c = send_chained({create(kVm1), create(kVm1)});
  run();
  ASSERT_EQ(fakes.size(), 1u);
  end_with(0, 0, make_reply(Code::unavailable, "shim of VM vm1 exited during CreateVM"));
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 14);
  EXPECT_EQ(c[0].reply.message, "shim of VM vm1 exited during CreateVM");
  EXPECT_FALSE(c[1].done);  // the retry waits for its own, new supervisor
  ASSERT_EQ(fakes.size(), 2u);
  EXPECT_EQ(fakes[1].key, kVm1);
  EXPECT_EQ(methods_of(1), std::vector<Method>{Method::create_vm});
  EXPECT_EQ(registered(), 1u);
}

// Regression (fixed in actors/registry.cpp: relays are answered on down):
TEST_F(RegistryTest, SupervisorDyingDuringCreateVmFailsTheCallAndFreesItsSlot) {
  settings.limits.max_concurrent_creates = 1;
  auto first = send(kVm1, create(kVm1).second);
  run();
  exit_fake(0);  // it dies holding the CreateVM call
  run();
  EXPECT_EQ(registered(), 0u);
  EXPECT_TRUE(first[0].done) << "the CreateVM caller got no reply";
  auto second = send(kVm2, create(kVm2).second);
  run();
  EXPECT_FALSE(second[0].done) << "not accepted: " << second[0].reply.message;
  EXPECT_EQ(fakes.size(), 2u);
}

}  // namespace
}  // namespace ember::actors::testing
