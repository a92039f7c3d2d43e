// The registry's whole-fleet requests (count, stop_all, detach) and keys that
// differ only in their namespace.
#include "registry_fixture.hpp"  // first

#include <set>
#include <string>
#include <vector>

#include "messages/fccontrol_payloads.hpp"

namespace ember::actors::testing {
namespace {

using msg::Method;

KeyedCall create(const msg::VmKey& key) {
  return {key, call_of(Method::create_vm, "create " + key.id)};
}

class RegistryFleetTest : public RegistryTest {
 protected:
  // Creates every key and lets each fake answer OK.
  void CreateRunningVms(const std::vector<msg::VmKey>& keys) {
    std::vector<KeyedCall> calls;
    for (const auto& k : keys)
      calls.push_back(create(k));
    size_t first = fakes.size();
    auto c = send_together(calls);
    run();
    ASSERT_EQ(fakes.size(), first + keys.size());
    for (size_t i = first; i < fakes.size(); ++i)
      reply(i, 0, make_reply(Code::ok, ""));
    run();
    for (size_t i = 0; i < keys.size(); ++i)
      ASSERT_TRUE(c[i].done && c[i].reply.code == 0);
  }
};

TEST_F(RegistryFleetTest, CountIsTheNumberOfRegisteredVmsIncludingThoseBeingCreated) {
  EXPECT_EQ(registered(), 0u);
  CreateRunningVms({key_of("ns1", "a"), key_of("ns1", "b")});
  send(key_of("ns1", "c"), create(key_of("ns1", "c")).second);  // left creating
  run();
  EXPECT_EQ(registered(), 3u);
}

TEST_F(RegistryFleetTest, StopAllSendsStopVmToEverySupervisorAndRepliesWithTheCount) {
  settings.timeouts.stop_vm_seconds = 7;
  CreateRunningVms({key_of("ns1", "a"), key_of("ns1", "b"), key_of("ns2", "a")});
  auto all = send_stop_all();
  run();
  for (size_t i = 0; i < fakes.size(); ++i) {
    SCOPED_TRACE("VM " + fakes[i].key.ns + "/" + fakes[i].key.id);
    ASSERT_EQ(methods_of(i), (std::vector<Method>{Method::create_vm, Method::stop_vm}));
    const auto& payload = fakes[i].log->calls[1].payload;
    std::string id;
    ASSERT_TRUE(decode_vm_id(Method::stop_vm, payload, &id).ok());
    EXPECT_EQ(id, fakes[i].key.id);
    EXPECT_EQ(msg::stop_timeout_seconds(payload), 7u);
  }
  EXPECT_FALSE(all->done);  // not before every VM answered

  end_with(0, 1, make_reply(Code::ok, ""));
  end_with(1, 1, make_reply(Code::ok, ""));
  run();
  EXPECT_FALSE(all->done);
  end_with(2, 1, make_reply(Code::internal, "forcefully terminated VM a"));
  run();
  ASSERT_TRUE(all->done);
  EXPECT_EQ(all->count, 3u);
  EXPECT_EQ(registered(), 0u);
}

TEST_F(RegistryFleetTest, StopAllWithoutVmsRepliesZero) {
  auto all = send_stop_all();
  run();
  ASSERT_TRUE(all->done);
  EXPECT_EQ(all->count, 0u);
}

TEST_F(RegistryFleetTest, StopAllCountsASupervisorKilledBeforeItTookTheStop) {
  CreateRunningVms({key_of("ns1", "a"), key_of("ns1", "b")});
  auto all = send_stop_all();
  sched.run_once();  // the client sends
  expect((msg::stop_all_atom), from(_).to(registry));
  kill_fake(1);  // with its StopVM still in the mailbox: the request bounces
  run();
  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(all->done);
  EXPECT_EQ(all->count, 2u);
  EXPECT_EQ(registered(), 0u);
}

TEST_F(RegistryFleetTest, SameIdInTwoNamespacesIsTwoVms) {
  const auto a = key_of("alpha", "vm1");
  const auto b = key_of("beta", "vm1");
  CreateRunningVms({a, b});
  ASSERT_EQ(fakes.size(), 2u);
  EXPECT_EQ(fakes[0].key, a);
  EXPECT_EQ(fakes[1].key, b);
  EXPECT_EQ(registered(), 2u);

  auto s = send(a, call_of(Method::stop_vm));
  run();
  EXPECT_EQ(methods_of(0), (std::vector<Method>{Method::create_vm, Method::stop_vm}));
  EXPECT_EQ(methods_of(1), std::vector<Method>{Method::create_vm});
  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(s[0].done);
  EXPECT_EQ(registered(), 1u);

  auto c = send_together({create(b), create(a)});
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 6);
  EXPECT_EQ(c[0].reply.message, "VM vm1 already exists in namespace beta");
  EXPECT_FALSE(c[1].done);
  ASSERT_EQ(fakes.size(), 3u);
  EXPECT_EQ(fakes[2].key, a);
}

TEST_F(RegistryFleetTest, DetachLetsGoOfEverySupervisorAndRepliesWithTheCount) {
  CreateRunningVms({key_of("ns1", "a"), key_of("ns2", "b")});
  auto n = request<uint32_t>(registry, msg::detach_atom::value);
  EXPECT_EQ(n, 2u);
  for (const auto& f : fakes)
    EXPECT_TRUE(f.log->detached) << f.key.ns << "/" << f.key.id;
}

// Regression (issue 12, replacement under load): after detach the registry
// ended, and calls still arriving found it gone, which the frontend answers
// NOT_FOUND: a CreateVM answered "VM x not found". They are UNAVAILABLE now,
// as is a StopVM the detach cut off.
TEST_F(RegistryFleetTest, CallsDuringShutdownAreUnavailableNotNotFound) {
  CreateRunningVms({key_of("ns1", "a")});
  auto stop = send(key_of("ns1", "a"), call_of(Method::stop_vm, "stop a"));
  run();
  auto n = request<uint32_t>(registry, msg::detach_atom::value);
  EXPECT_EQ(n, 1u);
  auto later = send_together(
      {create(key_of("ns1", "b")), {key_of("ns1", "a"), call_of(Method::get_vm_info, "info a")}});
  run();
  ASSERT_TRUE(stop[0].done);
  EXPECT_EQ(stop[0].reply.code, static_cast<int32_t>(Code::unavailable));
  EXPECT_EQ(stop[0].reply.message, "emberd is shutting down");
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(later[i].done) << i;
    EXPECT_EQ(later[i].reply.code, static_cast<int32_t>(Code::unavailable)) << i;
    EXPECT_EQ(later[i].reply.message, "emberd is shutting down") << i;
  }
  EXPECT_EQ(fakes.size(), 1u) << "no supervisor is made after the detach";
}

// Regression (fixed in actors/registry.cpp: relays are answered on down):
TEST_F(RegistryFleetTest, StopAllCompletesWhenASupervisorDiesHoldingItsStop) {
  CreateRunningVms({key_of("ns1", "a"), key_of("ns1", "b")});
  auto all = send_stop_all();
  run();
  exit_fake(1);  // it took the StopVM, then died
  end_with(0, 1, make_reply(Code::ok, ""));
  run();
  ASSERT_TRUE(all->done) << "stop_all got no reply";
  EXPECT_EQ(all->count, 2u);
  EXPECT_EQ(registered(), 0u);
}

// A VM that answers stop_all's StopVM with "already stopping" stays
// registered, and stop_all waits for its supervisor to go down.
TEST_F(RegistryFleetTest, StopAllWaitsForAVmThatWasAlreadyStopping) {
  const auto a = key_of("ns1", "a");
  CreateRunningVms({a});
  auto all = send_stop_all();
  run();
  reply(0, 1, make_reply(Code::failed_precondition, "VM a is stopping"));
  run();
  EXPECT_FALSE(all->done);
  EXPECT_EQ(registered(), 1u);
  auto c = send(a, create(a).second);
  run();
  ASSERT_TRUE(c[0].done);
  EXPECT_EQ(c[0].reply.code, 6);
  EXPECT_EQ(fakes.size(), 1u);
  exit_fake(0);
  run();
  ASSERT_TRUE(all->done);
  EXPECT_EQ(all->count, 1u);
  EXPECT_EQ(registered(), 0u);
}

}  // namespace
}  // namespace ember::actors::testing
