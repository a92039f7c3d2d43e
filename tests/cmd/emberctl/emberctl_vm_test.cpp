// emberctl vm create | stop | pause | resume | info: the request each sends,
// the namespace and deadline it attaches, and what it prints.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "emberctl_fixture.hpp"
#include "fccontrol.pb.h"

namespace ember::ctltest {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

CreateVMResponse SampleCreateResponse() {
  CreateVMResponse r;
  r.set_vmid("vm1");
  r.set_socketpath("/run/ember/s/abc");
  r.set_logfifopath("/var/lib/ember/default#vm1/fc-logs.fifo");
  r.set_metricsfifopath("/var/lib/ember/default#vm1/fc-metrics.fifo");
  return r;  // CgroupPath left empty
}

using EmberctlVmTest = EmberctlTest;

TEST_F(EmberctlVmTest, CreateWithEveryFlagSendsTheExactCreateVMRequest) {
  CtlResult r = ctl({"--namespace",
                     "team-a",
                     "vm",
                     "create",
                     "vm1",
                     "--vcpus",
                     "2",
                     "--mem",
                     "256",
                     "--kernel",
                     "/images/vmlinux",
                     "--kernel-args",
                     "console=ttyS0 quiet",
                     "--root-drive",
                     "/images/root.ext4",
                     "--root-drive-rw",
                     "--balloon-mib",
                     "64",
                     "--balloon-deflate-on-oom",
                     "--balloon-stats-interval",
                     "5",
                     "--timeout-seconds",
                     "30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  CreateVMRequest expected;
  expected.set_vmid("vm1");
  expected.mutable_machinecfg()->set_vcpucount(2);
  expected.mutable_machinecfg()->set_memsizemib(256);
  expected.set_kernelimagepath("/images/vmlinux");
  expected.set_kernelargs("console=ttyS0 quiet");
  expected.mutable_rootdrive()->set_hostpath("/images/root.ext4");
  expected.mutable_rootdrive()->set_iswritable(true);
  expected.mutable_balloondevice()->set_amountmib(64);
  expected.mutable_balloondevice()->set_deflateonoom(true);
  expected.mutable_balloondevice()->set_statspollingintervals(5);
  expected.set_timeoutseconds(30);
  auto sent = only_request<CreateVMRequest>("CreateVM");
  EXPECT_TRUE(SameMessage(sent, expected)) << sent.DebugString();
  EXPECT_EQ(metadata_value(only_call("CreateVM"), "containerd-namespace-ttrpc"), "team-a");
}

TEST_F(EmberctlVmTest, CreateWithOnlyAnIdLeavesEveryOptionalPartUnset) {
  CtlResult r = ctl({"vm", "create", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CreateVMRequest expected;
  expected.set_vmid("vm1");
  auto sent = only_request<CreateVMRequest>("CreateVM");
  EXPECT_TRUE(SameMessage(sent, expected)) << sent.DebugString();
  EXPECT_FALSE(sent.has_machinecfg());
  EXPECT_FALSE(sent.has_rootdrive());
  EXPECT_FALSE(sent.has_balloondevice());
}

TEST_F(EmberctlVmTest, CreateWithOnlyMemoryStillSendsAMachineConfig) {
  ASSERT_EQ(ctl({"vm", "create", "vm1", "--mem", "512"}).exit_code, 0);
  auto sent = only_request<CreateVMRequest>("CreateVM");
  ASSERT_TRUE(sent.has_machinecfg());
  EXPECT_EQ(sent.machinecfg().memsizemib(), 512u);
  EXPECT_EQ(sent.machinecfg().vcpucount(), 0u);
}

TEST_F(EmberctlVmTest, NamespaceDefaultsToDefault) {
  ASSERT_EQ(ctl({"vm", "info", "vm1"}).exit_code, 0);
  EXPECT_EQ(metadata_value(only_call("GetVMInfo"), "containerd-namespace-ttrpc"), "default");
}

TEST_F(EmberctlVmTest, CreatePrintsEachResponseFieldAsAKeyValueLine) {
  server().reply("CreateVM", SampleCreateResponse());
  CtlResult r = ctl({"vm", "create", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "VMID: vm1\n"
            "SocketPath: /run/ember/s/abc\n"
            "LogFifoPath: /var/lib/ember/default#vm1/fc-logs.fifo\n"
            "MetricsFifoPath: /var/lib/ember/default#vm1/fc-metrics.fifo\n"
            "CgroupPath:\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(EmberctlVmTest, CreateWithJsonPrintsOneObjectWithTheProtoFieldNames) {
  server().reply("CreateVM", SampleCreateResponse());
  CtlResult r = ctl({"--json", "vm", "create", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"VMID":"vm1","SocketPath":"/run/ember/s/abc",)"
                   R"("LogFifoPath":"/var/lib/ember/default#vm1/fc-logs.fifo",)"
                   R"("MetricsFifoPath":"/var/lib/ember/default#vm1/fc-metrics.fifo",)"
                   R"("CgroupPath":""})"
                   "\n");
}

TEST_F(EmberctlVmTest, CreateWaitsSeventySecondsByDefault) {
  ASSERT_EQ(ctl({"vm", "create", "vm1"}).exit_code, 0);
  EXPECT_EQ(only_call("CreateVM").timeout_nano, 70 * kSecond);
}

TEST_F(EmberctlVmTest, CreateWaitsTenSecondsLongerThanALongTimeoutSeconds) {
  ASSERT_EQ(ctl({"vm", "create", "vm1", "--timeout-seconds", "100"}).exit_code, 0);
  EXPECT_EQ(only_call("CreateVM").timeout_nano, 110 * kSecond);
}

TEST_F(EmberctlVmTest, GlobalTimeoutReplacesTheCommandDefault) {
  ASSERT_EQ(ctl({"--timeout", "2.5", "vm", "create", "vm1"}).exit_code, 0);
  EXPECT_EQ(only_call("CreateVM").timeout_nano, 2'500'000'000);
}

TEST_F(EmberctlVmTest, StopSendsTimeoutSecondsAndWaitsThirtySecondsLonger) {
  CtlResult r = ctl({"vm", "stop", "vm1", "--timeout", "45"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<StopVMRequest>("StopVM");
  EXPECT_EQ(sent.vmid(), "vm1");
  EXPECT_EQ(sent.timeoutseconds(), 45u);
  EXPECT_EQ(only_call("StopVM").timeout_nano, 75 * kSecond);
  EXPECT_EQ(r.out, "VMID: vm1\nResult: stopped\n");
}

TEST_F(EmberctlVmTest, StopWithoutTimeoutLeavesItToTheServer) {
  ASSERT_EQ(ctl({"vm", "stop", "vm1"}).exit_code, 0);
  EXPECT_EQ(only_request<StopVMRequest>("StopVM").timeoutseconds(), 0u);
  EXPECT_EQ(only_call("StopVM").timeout_nano, 30 * kSecond);
}

TEST_F(EmberctlVmTest, GlobalOptionsMayFollowTheSubcommand) {
  CtlResult r = ctl({"vm", "stop", "vm1", "--timeout", "5", "--json", "--namespace", "ns2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<StopVMRequest>("StopVM").timeoutseconds(), 5u);
  EXPECT_EQ(metadata_value(only_call("StopVM"), "containerd-namespace-ttrpc"), "ns2");
  EXPECT_EQ(r.out, R"({"VMID":"vm1","Result":"stopped"})"
                   "\n");
}

TEST_F(EmberctlVmTest, PauseSendsPauseVMWithTheId) {
  CtlResult r = ctl({"vm", "pause", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<PauseVMRequest>("PauseVM").vmid(), "vm1");
  EXPECT_EQ(r.out, "VMID: vm1\nResult: paused\n");
}

TEST_F(EmberctlVmTest, ResumeSendsResumeVMWithTheId) {
  CtlResult r = ctl({"--json", "vm", "resume", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<ResumeVMRequest>("ResumeVM").vmid(), "vm1");
  EXPECT_EQ(r.out, R"({"VMID":"vm1","Result":"resumed"})"
                   "\n");
}

TEST_F(EmberctlVmTest, InfoPrintsEveryGetVMInfoField) {
  GetVMInfoResponse info;
  info.set_vmid("vm1");
  info.set_socketpath("/s/fc.sock");
  info.set_logfifopath("/s/log");
  info.set_metricsfifopath("/s/metrics");
  info.set_cgrouppath("/ember/vm1");
  info.set_vsockpath("/s/fc.vsock");
  server().reply("GetVMInfo", info);

  CtlResult r = ctl({"vm", "info", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<GetVMInfoRequest>("GetVMInfo").vmid(), "vm1");
  EXPECT_EQ(only_call("GetVMInfo").timeout_nano, 30 * kSecond);
  EXPECT_EQ(r.out,
            "VMID: vm1\nSocketPath: /s/fc.sock\nLogFifoPath: /s/log\n"
            "MetricsFifoPath: /s/metrics\nCgroupPath: /ember/vm1\nVSockPath: /s/fc.vsock\n");

  CtlResult j = ctl({"vm", "info", "vm1", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out,
            R"({"VMID":"vm1","SocketPath":"/s/fc.sock","LogFifoPath":"/s/log",)"
            R"("MetricsFifoPath":"/s/metrics","CgroupPath":"/ember/vm1","VSockPath":"/s/fc.vsock"})"
            "\n");
}

}  // namespace
}  // namespace ember::ctltest
