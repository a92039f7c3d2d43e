// The supervisor while running and stopping: forwarding, the StopVM protocol
// (reply and exit in either order, the timeout, forced kills) and exits.
#include "vm_supervisor_fixture.hpp"  // first

#include <chrono>
#include <string>
#include <vector>

namespace ember::actors::testing {
namespace {

using msg::Method;
using Effects = std::vector<std::string>;

TEST_F(VmSupervisorTest, RunningForwardsACallWithItsDeadlineAndReturnsTheShimsReply) {
  create_running();
  auto info = call(Method::get_vm_info, "info", 700);
  uint64_t id = vm().last_call(Method::get_vm_info);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(vm().calls.back().second.timeout_ms, 700);
  EXPECT_FALSE(info->done);
  shim_reply(id, Code::not_found, "no balloon");
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.code, 5);
  EXPECT_EQ(info->reply.message, "no balloon");
}

TEST_F(VmSupervisorTest, RunningAnswersCreateVmWithAlreadyExists) {
  create_running();
  auto c = call(Method::create_vm, "again");
  ASSERT_TRUE(c->done);
  EXPECT_EQ(c->reply.code, 6);
  EXPECT_EQ(c->reply.message, "VM vm1 already exists");
}

TEST_F(VmSupervisorTest, ShimExitWhileRunningFailsOpenCallsAndEndsTheVm) {
  create_running();
  auto info = call(Method::get_vm_info);
  shim_exit(-1, 9);
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.code, 14);
  EXPECT_EQ(info->reply.message, "shim of VM vm1 exited");
  ASSERT_TRUE(ending->ended);
  EXPECT_FALSE(ending->names_call);
  EXPECT_EQ(effects_seen().back(), "remove_all");
  shim_reply(vm().last_call(Method::get_vm_info), Code::ok);  // too late: nobody there
}

// The supervisor answers a passed-through call's caller itself when the shim
// exits, so the effects' later "connection closed" for it is dropped: which
// answer wins follows the supervisor's order, which a journal replays.
TEST_F(VmSupervisorTest, ShimExitAnswersAPassedThroughCallersAnswerAtOnce) {
  create_running();
  std::vector<msg::RpcReply> heard;
  auto answer =
      std::make_shared<msg::AnswerOnce>([&](const msg::RpcReply& r) { heard.push_back(r); });
  call_with_answer(Method::get_vm_info, answer);
  shim_exit(-1, 9);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].message, "shim of VM vm1 exited");
  EXPECT_FALSE(answer->answer(msg::RpcReply{14, "Firecracker/GetVMInfo: connection closed", {}}));
  EXPECT_EQ(heard.size(), 1u);
}

TEST_F(VmSupervisorTest, StopVmSendsTheStopWithItsTimeoutPlusGraceAndArmsATimer) {
  auto stop = start_stopping(5);
  uint64_t id = vm().last_call(Method::stop_vm);
  EXPECT_EQ(vm().calls.back().second.timeout_ms, 5500);
  ASSERT_EQ(vm().timers.size(), 1u);
  EXPECT_EQ(vm().timers[0].first, std::chrono::milliseconds(5500));
  EXPECT_EQ(vm().timers[0].second, id);
  EXPECT_FALSE(stop->done);
}

// As the seed: the wait for the exit ends with the caller's context, and the
// shim is killed then.
TEST_F(VmSupervisorTest, StopVmKeepsTheCallersShorterDeadlineAndKillsTheShimAtIt) {
  create_running();
  auto stop = call(Method::stop_vm, stop_payload(30), 2000);
  uint64_t id = vm().last_call(Method::stop_vm);
  EXPECT_EQ(vm().calls.back().second.timeout_ms, 2000);
  ASSERT_EQ(vm().timers.size(), 1u);
  EXPECT_EQ(vm().timers[0].first, std::chrono::milliseconds(2000));
  timer(id);
  EXPECT_EQ(effects_seen().back(), "kill");
  EXPECT_FALSE(stop->done);
}

TEST_F(VmSupervisorTest, StopVmWithoutTimeoutUsesTheConfiguredOne) {
  start_stopping(0);
  EXPECT_EQ(vm().calls.back().second.timeout_ms, 30500);
}

TEST_F(VmSupervisorTest, StopVmEndsOnlyAfterTheShimAnsweredAndExited) {
  auto stop = start_stopping();
  shim_reply(vm().last_call(Method::stop_vm), Code::ok);
  EXPECT_FALSE(ending->ended);  // answered, but still running
  shim_exit(0, 0);
  ASSERT_TRUE(ending->ended);
  ASSERT_TRUE(ending->names_call);
  EXPECT_EQ(ending->method, Method::stop_vm);
  EXPECT_EQ(ending->outcome.code, 0);
  EXPECT_FALSE(stop->done);  // the registry answers it from the down message
  EXPECT_EQ(effects_seen().back(), "remove_all");
}

TEST_F(VmSupervisorTest, StopVmExitBeforeTheAnswerWaitsForTheAnswer) {
  start_stopping();
  shim_exit(0, 0);
  EXPECT_FALSE(ending->ended);  // the verdict may still be in the socket
  shim_reply(vm().last_call(Method::stop_vm), Code::internal, "VMM killed after timeout");
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->outcome.code, 13);
  EXPECT_EQ(ending->outcome.message, "VMM killed after timeout");
}

TEST_F(VmSupervisorTest, ShimThatDiedWithoutAnsweringStopVmIsInternalNamingTheSignal) {
  start_stopping();
  shim_exit(-1, 11);
  shim_reply(vm().last_call(Method::stop_vm), Code::unavailable, "connection closed");
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->outcome.code, 13);
  EXPECT_EQ(ending->outcome.message, "shim of VM vm1 exited without answering StopVM (signal 11)");
}

TEST_F(VmSupervisorTest, StopTimerKillsTheShimAndTheOutcomeSaysForced) {
  start_stopping(5);
  timer(vm().timers.at(0).second);
  EXPECT_EQ(effects_seen().back(), "kill");
  shim_reply(vm().last_call(Method::stop_vm), Code::unavailable, "connection closed");
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->outcome.code, 13);
  EXPECT_EQ(ending->outcome.message, "forcefully terminated VM vm1");
}

TEST_F(VmSupervisorTest, TimerWithAStaleTokenOrAfterTheExitKillsNothing) {
  start_stopping(5);
  timer(12345);
  shim_exit(0, 0);
  timer(vm().timers.at(0).second);
  for (const auto& e : effects_seen())
    EXPECT_NE(e, "kill");
}

TEST_F(VmSupervisorTest, CallsWhileStoppingAreFailedPreconditionAndOpenOnesHearStopped) {
  create_running();
  auto info = call(Method::get_vm_info);
  auto stop = call(Method::stop_vm, stop_payload(5));
  auto late = call(Method::get_vm_info);
  auto again = call(Method::stop_vm, stop_payload(5));
  ASSERT_TRUE(late->done);
  EXPECT_EQ(late->reply.code, 9);
  EXPECT_EQ(late->reply.message, "VM vm1 is stopping");
  ASSERT_TRUE(again->done);
  EXPECT_EQ(again->reply.code, 9);
  shim_reply(vm().last_call(Method::stop_vm), Code::ok);
  shim_exit(0, 0);
  ASSERT_TRUE(info->done);  // still open at the end
  EXPECT_EQ(info->reply.code, 14);
  EXPECT_EQ(info->reply.message, "VM vm1 was stopped");
  EXPECT_FALSE(stop->done);
}

TEST_F(VmSupervisorTest, DetachWhileStoppingAnswersTheStopAndLeavesTheShim) {
  auto stop = start_stopping();
  detach();
  ASSERT_TRUE(stop->done);
  EXPECT_EQ(stop->reply.message, "emberd is shutting down");
  EXPECT_EQ(effects_seen().back(), "detach");
  ASSERT_TRUE(ending->ended);
  EXPECT_FALSE(ending->names_call);
}

TEST_F(VmSupervisorTest, DetachWhileIdleOrRunningOnlyDetaches) {
  create_running();
  detach();
  EXPECT_EQ(effects_seen(), (Effects{"launch", "call 1 CreateVM", "detach"}));
  EXPECT_TRUE(ending->ended);
}

}  // namespace
}  // namespace ember::actors::testing
