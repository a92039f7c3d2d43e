// The supervisor from idle through creating and adopting to running: every
// phase against every event, including orders end-to-end tests cannot force.
#include "vm_supervisor_fixture.hpp"  // first

#include <string>
#include <vector>

#include "fccontrol.pb.h"

namespace ember::actors::testing {
namespace {

using msg::Method;
using Effects = std::vector<std::string>;

TEST_F(VmSupervisorTest, IdleAnswersACallOtherThanCreateVmWithNotFound) {
  auto a = call(Method::get_vm_info);
  ASSERT_TRUE(a->done);
  EXPECT_EQ(a->reply.code, 5);
  EXPECT_EQ(a->reply.message, "VM vm1 not found");
  EXPECT_TRUE(effects_seen().empty());
}

TEST_F(VmSupervisorTest, CreateVmLaunchesTheShimAndWaitsForItToStart) {
  auto c = call(Method::create_vm, "create");
  EXPECT_EQ(effects_seen(), Effects{"launch"});
  EXPECT_FALSE(c->done);
}

TEST_F(VmSupervisorTest, StartedShimGetsTheCreateVmWithTheConfiguredDeadline) {
  auto c = call(Method::create_vm, "create");
  started(Status::Ok(), 42);
  EXPECT_EQ(effects_seen(), (Effects{"launch", "call 1 CreateVM"}));
  ASSERT_EQ(vm().calls.size(), 1u);
  EXPECT_EQ(vm().calls[0].second.payload, "create");
  EXPECT_EQ(vm().calls[0].second.timeout_ms, 60000);
  EXPECT_FALSE(c->done);
}

TEST_F(VmSupervisorTest, CreateVmKeepsTheCallersShorterDeadline) {
  call(Method::create_vm, "create", 1500);
  started(Status::Ok(), 42);
  EXPECT_EQ(vm().calls.at(0).second.timeout_ms, 1500);
}

TEST_F(VmSupervisorTest, CreateVmAnsweredByTheShimRunsTheVmAndTheCallsThatWaited) {
  auto c = call(Method::create_vm, "create");
  auto info = call(Method::get_vm_info, "info");
  auto second = call(Method::create_vm, "again");
  ASSERT_TRUE(second->done);  // refused at once, not queued
  EXPECT_EQ(second->reply.code, 6);
  started(Status::Ok(), 42);
  EXPECT_FALSE(info->done);
  shim_reply(1, Code::ok, "", "created");
  ASSERT_TRUE(c->done);
  EXPECT_EQ(c->reply.payload, "created");
  // The GetVMInfo's wait for the create was armed as timer 2.
  EXPECT_EQ(effects_seen(), (Effects{"launch", "timer 2", "call 1 CreateVM", "call 3 GetVMInfo"}));
  shim_reply(3, Code::ok, "", "info");
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.payload, "info");
  EXPECT_FALSE(ending->ended);
}

TEST_F(VmSupervisorTest, QueuedCallPastItsDeadlineIsDeadlineExceededAndNotSent) {
  call(Method::create_vm, "create");
  auto info = call(Method::get_vm_info, "info", 100);
  auto later = call(Method::get_vm_info, "info", 5000);
  *effects.clock += std::chrono::milliseconds(250);
  started(Status::Ok(), 42);
  shim_reply(1, Code::ok);
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.code, 4);
  EXPECT_EQ(info->reply.message, "VM vm1 was still being created at the call's deadline");
  ASSERT_EQ(vm().calls.size(), 2u);                  // CreateVM and the later call only
  EXPECT_EQ(vm().calls[1].second.timeout_ms, 4750);  // what was left of it
  EXPECT_FALSE(later->done);
}

TEST_F(VmSupervisorTest, StopVmQueuedDuringCreateStopsTheVmOnceRunning) {
  call(Method::create_vm, "create");
  auto stop = call(Method::stop_vm, stop_payload(5));
  started(Status::Ok(), 42);
  shim_reply(1, Code::ok);
  EXPECT_EQ(effects_seen(),
            (Effects{"launch", "timer 2", "call 1 CreateVM", "call 3 StopVM", "timer 3"}));
  EXPECT_FALSE(stop->done);
}

TEST_F(VmSupervisorTest, LaunchThatStartedNothingEndsAtOnceWithItsFailure) {
  auto c = call(Method::create_vm, "create");
  auto info = call(Method::get_vm_info);
  started(Status::ResourceExhausted("socket: Too many open files"), 0);
  ASSERT_TRUE(ending->ended);
  ASSERT_TRUE(ending->names_call);
  EXPECT_EQ(ending->method, Method::create_vm);
  EXPECT_EQ(ending->outcome.code, 8);
  EXPECT_EQ(ending->outcome.message, "socket: Too many open files");
  EXPECT_FALSE(c->done);  // the registry answers it from the down message
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.code, 5);
  EXPECT_EQ(info->reply.message, "VM vm1 could not be created");
  EXPECT_EQ(effects_seen(), (Effects{"launch", "timer 2", "remove_all"}));
  EXPECT_TRUE(vm().destroyed);
}

std::string create_payload(uint32_t timeout_seconds) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.set_timeoutseconds(timeout_seconds);
  return req.SerializeAsString();
}

TEST_F(VmSupervisorTest, CreateVmTimeoutSecondsBoundsTheCreateInsteadOfTheConfiguredOne) {
  call(Method::create_vm, create_payload(120));
  started(Status::Ok(), 42);
  EXPECT_EQ(vm().calls.at(0).second.timeout_ms, 120000);  // timeouts.create_vm_seconds is 60
}

TEST_F(VmSupervisorTest, CreateVmTimeoutSecondsGivesWayToTheCallersShorterDeadline) {
  call(Method::create_vm, create_payload(120), 1500);
  started(Status::Ok(), 42);
  EXPECT_EQ(vm().calls.at(0).second.timeout_ms, 1500);
}

TEST_F(VmSupervisorTest, ACallQueuedBehindTheCreateWaitsAtMostCallWaitSeconds) {
  settings.timeouts.call_wait_seconds = 5;
  auto c = call(Method::create_vm, "create");
  auto info = call(Method::get_vm_info, "info");
  ASSERT_EQ(vm().timers.size(), 1u);
  EXPECT_EQ(vm().timers[0].first, std::chrono::milliseconds(5000));
  timer(vm().timers[0].second);
  ASSERT_TRUE(info->done);
  EXPECT_EQ(info->reply.code, 4);
  EXPECT_EQ(info->reply.message,
            "VM vm1 was still being created after 5000 ms (timeouts.call_wait_seconds or the "
            "call's deadline)");
  started(Status::Ok(), 42);
  shim_reply(1, Code::ok);
  ASSERT_TRUE(c->done);
  EXPECT_EQ(vm().last_call(Method::get_vm_info), 0u);  // never sent
}

TEST_F(VmSupervisorTest, AQueuedCallsWaitIsItsDeadlineWhenThatIsShorter) {
  call(Method::create_vm, "create");
  call(Method::get_vm_info, "info", 1200);
  ASSERT_EQ(vm().timers.size(), 1u);
  EXPECT_EQ(vm().timers[0].first, std::chrono::milliseconds(1200));
}

TEST_F(VmSupervisorTest, LaunchThatFailedAfterSpawningWaitsForTheShimsExit) {
  call(Method::create_vm, "create");
  started(Status::Unavailable("connect: Connection refused"), 42);
  EXPECT_FALSE(ending->ended);
  auto info = call(Method::get_vm_info);
  ASSERT_TRUE(info->done);  // refused while ending
  EXPECT_EQ(info->reply.message, "VM vm1 could not be created");
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->outcome.code, 14);
  EXPECT_EQ(ending->outcome.message, "shim of VM vm1 exited during CreateVM (signal 9)");
  EXPECT_EQ(effects_seen().back(), "remove_all");
}

TEST_F(VmSupervisorTest, CreateVmRefusedByTheShimKillsItAndEndsWithTheShimsAnswer) {
  call(Method::create_vm, "create");
  started(Status::Ok(), 42);
  shim_reply(1, Code::invalid_argument, "MachineCfg.MemSizeMib: must be > 0");
  EXPECT_EQ(effects_seen(), (Effects{"launch", "call 1 CreateVM", "kill"}));
  EXPECT_FALSE(ending->ended);  // not before the shim is gone
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->method, Method::create_vm);
  EXPECT_EQ(ending->outcome.code, 3);
  EXPECT_EQ(ending->outcome.message, "MachineCfg.MemSizeMib: must be > 0");
}

TEST_F(VmSupervisorTest, ShimExitDuringCreateVmEndsOnlyOnceTheCallCompleted) {
  call(Method::create_vm, "create");
  started(Status::Ok(), 42);
  shim_exit(3, 0);
  EXPECT_FALSE(ending->ended);  // the CreateVM reply may still be on its way
  shim_reply(1, Code::unavailable, "connection closed");
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->outcome.code, 14);
  EXPECT_EQ(ending->outcome.message, "shim of VM vm1 exited during CreateVM (code 3)");
}

TEST_F(VmSupervisorTest, CreateVmAnsweredOkByAShimThatAlreadyExitedStillFails) {
  auto c = call(Method::create_vm, "create");
  started(Status::Ok(), 42);
  shim_exit(0, 0);
  shim_reply(1, Code::ok);
  EXPECT_FALSE(c->done);
  ASSERT_TRUE(ending->ended);
  EXPECT_EQ(ending->method, Method::create_vm);
  EXPECT_EQ(ending->outcome.message, "shim of VM vm1 exited during CreateVM (code 0)");
}

TEST_F(VmSupervisorTest, DetachWhileCreatingAnswersEveryoneAndLeavesTheShimRunning) {
  auto c = call(Method::create_vm, "create");
  auto info = call(Method::get_vm_info);
  started(Status::Ok(), 42);
  detach();
  ASSERT_TRUE(c->done);
  ASSERT_TRUE(info->done);
  EXPECT_EQ(c->reply.message, "emberd is shutting down");
  EXPECT_EQ(info->reply.code, 14);
  EXPECT_EQ(effects_seen().back(), "detach");
  ASSERT_TRUE(ending->ended);
  EXPECT_FALSE(ending->names_call);
}

TEST_F(VmSupervisorTest, AdoptionTakesOverTheShimOnceItStarted) {
  auto a = adopt(msg::ShimRecord{42, 777, "/run/s.sock", "/run/s.sock.fccontrol"});
  EXPECT_EQ(effects_seen(), Effects{"adopt"});
  ASSERT_EQ(vm().adopted.size(), 1u);
  EXPECT_EQ(vm().adopted[0].start_time, 777u);
  EXPECT_FALSE(a->done);
  started(Status::Ok(), 42);
  ASSERT_TRUE(a->done);
  EXPECT_EQ(a->reply.code, 0);
  auto info = call(Method::get_vm_info, "info");
  EXPECT_EQ(effects_seen().back(), "call 1 GetVMInfo");
  EXPECT_FALSE(info->done);
}

TEST_F(VmSupervisorTest, AdoptionOfAnUnreachableShimFailsAndEndsAfterItsExit) {
  auto a = adopt(msg::ShimRecord{42, 777, "/run/s.sock", "/run/s.sock.fccontrol"});
  started(Status::Unavailable("connect: Connection refused"), 42);
  ASSERT_TRUE(a->done);
  EXPECT_EQ(a->reply.code, 14);
  EXPECT_FALSE(ending->ended);
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_FALSE(ending->names_call);  // the adoption was answered already
  EXPECT_EQ(effects_seen().back(), "remove_all");
}

TEST_F(VmSupervisorTest, AdoptionOfAVmThatExistsIsAlreadyExists) {
  create_running();
  auto a = adopt(msg::ShimRecord{42, 777, "a", "b"});
  ASSERT_TRUE(a->done);
  EXPECT_EQ(a->reply.code, 6);
  EXPECT_TRUE(vm().adopted.empty());
}

}  // namespace
}  // namespace ember::actors::testing
