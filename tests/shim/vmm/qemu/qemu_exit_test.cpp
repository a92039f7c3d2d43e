// How a real QEMU VM ends: powered off from inside the guest (the shim
// follows), killed with its shim, or shut down at StopVM even when paused.
#include <signal.h>

#include <gtest/gtest.h>

#include "base/files.hpp"
#include "tests/shim/vmm/qemu/qemu_vm_fixture.hpp"

namespace ember::shimtest {
namespace {

using std::chrono::milliseconds;

class QemuExitTest : public QemuVmTest {};

TEST_F(QemuExitTest, GuestPowerOffFromInsideEndsTheShim) {
  ASSERT_TRUE(call("CreateVM", create_request(false)).ok());
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  ASSERT_TRUE(guest_ready());
  GuestAgent agent;
  ASSERT_TRUE(agent.connect(file("agent.sock")).ok());
  ASSERT_TRUE(agent.send("poweroff -f").ok());
  EXPECT_EQ(shim_.wait_exit(), 0) << shim_.output();
  EXPECT_TRUE(wait_gone(qemu, milliseconds(0)));
  for (const char* name : {"firecracker.sock", "agent.sock", "console.sock"}) {
    EXPECT_EQ(dir_entries(dir()).count(name), 0u) << name;
  }
  // The VM's record stays for emberd's tombstone, which removes the dir.
  for (const char* name : {"console.log", "guest-ready"}) {
    EXPECT_EQ(dir_entries(dir()).count(name), 1u) << name;
  }
  EXPECT_EQ(::ember::read_file(file("vmm-exit")).value_or(""), "the guest shut down\n");
  EXPECT_NE(shim_.output().find("VMM exited: the guest shut down"), std::string::npos);
}

TEST_F(QemuExitTest, KillingTheShimKillsItsQemu) {
  ASSERT_TRUE(call("CreateVM", create_request(false)).ok());
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  // No balloon was configured: the balloon calls say so.
  EXPECT_EQ(call_vm<GetBalloonConfigRequest>("GetBalloonConfig"),
            Status::FailedPrecondition("VM vm1 has no balloon device"));
  UpdateBalloonRequest inflate;
  inflate.set_vmid("vm1");
  inflate.set_amountmib(1);
  EXPECT_EQ(call("UpdateBalloon", inflate).code(), Code::failed_precondition);

  ASSERT_EQ(::kill(shim_.pid(), SIGKILL), 0);
  EXPECT_EQ(shim_.wait_exit(), -1);
  EXPECT_TRUE(wait_gone(qemu, kBootDeadline)) << "PR_SET_PDEATHSIG takes QEMU along";
}

// Issue 14: a paused VM is resumed and shut down gracefully (it used to be
// killed at once and reported as forced). Paused before its guest was ready,
// it is also waited for until ready.
TEST_F(QemuExitTest, PausedVmIsResumedAtStopAndShutsDownGracefully) {
  ASSERT_TRUE(call("CreateVM", create_request(false)).ok());
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  ASSERT_TRUE(call_vm<PauseVMRequest>("PauseVM").ok());
  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(120);  // under the call deadline (kBootDeadline)
  EXPECT_EQ(call("StopVM", stop), Status::Ok()) << shim_.output();
  EXPECT_NE(shim_.output().find("VM is paused: resuming it to shut it down"), std::string::npos);
  EXPECT_TRUE(wait_gone(qemu, milliseconds(0)));
  EXPECT_TRUE(nothing_left());
  EXPECT_EQ(shim_.wait_exit(), 0);
}

TEST_F(QemuExitTest, QemuThatDiesEndsTheShimWithAFailure) {
  ASSERT_TRUE(call("CreateVM", create_request(false)).ok());
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  ASSERT_EQ(::kill(qemu, SIGKILL), 0);
  EXPECT_EQ(shim_.wait_exit(), 1);
  EXPECT_NE(shim_.output().find("VMM exited: INTERNAL: qemu killed by signal 9"), std::string::npos)
      << shim_.output();
  EXPECT_TRUE(nothing_left());
}

TEST_F(QemuExitTest, GuestIgnoringThePowerButtonIsQuitAtStop) {
  ASSERT_TRUE(call("CreateVM", create_request(false)).ok());
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  ASSERT_TRUE(guest_ready());
  GuestAgent agent;
  ASSERT_TRUE(agent.connect(file("agent.sock")).ok());
  std::string out;
  // The guest's power-button watcher waits in dd: stopped, it never powers off.
  ASSERT_TRUE(agent.run("killall -STOP dd", &out).ok()) << out;
  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(4);
  EXPECT_EQ(call("StopVM", stop), Status::Internal("forcefully terminated VM vm1"));
  EXPECT_TRUE(wait_gone(qemu, milliseconds(0)));
  EXPECT_TRUE(nothing_left());
  EXPECT_EQ(shim_.wait_exit(), 0);
  EXPECT_NE(shim_.output().find("the guest did not power off in time: quit"), std::string::npos);
}

}  // namespace
}  // namespace ember::shimtest
