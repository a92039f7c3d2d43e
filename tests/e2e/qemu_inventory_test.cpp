// The boot watchdog and StopVM's semantics with real QEMU (TCG here), through
// emberd: a kernel that is not a kernel becomes boot-failed and its QEMU is
// killed; a paused VM and a booting one are shut down gracefully; only a
// guest that cannot shut down in time is forced. Few tests: QEMU is slow here.
#include <gtest/gtest.h>

#include <fstream>

#include "fccontrol.pb.h"
#include "tests/e2e/inventory_client.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;
using shimtest::kBootDeadline;

class QemuInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shimtest::qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    Status s = shimtest::guest_kernel(&kernel_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // emberd on qemu with kernel (default: the guest's) and this boot watchdog.
  void Start(uint32_t boot_timeout_seconds, std::string kernel = {}) {
    EmberdOptions opts;
    opts.vmm_yaml = shimtest::qemu_config_yaml(kernel.empty() ? kernel_ : kernel, 128) +
                    "  boot_timeout_seconds: " + std::to_string(boot_timeout_seconds) + "\n";
    emberd_ = std::make_unique<Emberd>(opts);
    client_ = std::make_unique<FcClient>(emberd_->socket());
  }
  // 64 KiB of zeros: QEMU loads it as an old-style kernel and spins on it.
  std::string NotAKernel() {
    std::string path = emberd_dir_.path() + "/not-a-kernel";
    std::ofstream(path) << std::string(64 << 10, '\0');
    return path;
  }
  Status Call(Method m, const std::string& payload) { return client_->call(m, payload).status; }
  Status Stop(const std::string& id, uint32_t seconds) {
    StopVMRequest r;
    r.set_vmid(id);
    r.set_timeoutseconds(seconds);
    return Call(Method::stop_vm, r.SerializeAsString());
  }

  std::string kernel_;
  TempDir emberd_dir_;
  std::unique_ptr<Emberd> emberd_;
  std::unique_ptr<FcClient> client_;
};

TEST_F(QemuInventoryTest, KernelThatIsNotAKernelBecomesBootFailedAndItsQemuIsKilled) {
  Start(3, NotAKernel());
  EventStream events(*client_, "default");
  ASSERT_TRUE(Call(Method::create_vm, small_vm_request("junk")).ok()) << emberd_->log();
  auto booting = events.until("booting", "junk", kBootDeadline);
  ASSERT_TRUE(booting) << emberd_->log();
  const pid_t qemu = booting->vm().vmmpid();
  ASSERT_GT(qemu, 0);
  EXPECT_EQ(booting->vm().accel().empty(), false);

  auto failed = events.until("boot-failed", "junk", 60s);
  ASSERT_TRUE(failed) << emberd_->log();
  EXPECT_EQ(failed->vm().state(), v1::BOOT_FAILED);
  EXPECT_NE(failed->cause().find("vm.boot_timeout_seconds"), std::string::npos) << failed->cause();
  EXPECT_TRUE(wait_process_exit(qemu, 30s)) << "qemu " << qemu << " still spins";
  // What the guest printed (nothing, here) stays for the post-mortem.
  EXPECT_TRUE(path_exists(emberd_->vm_dir("default", "junk") + "/console.log"));

  // The record stays, visible in ls, until StopVM; StopVM has nothing to force.
  v1::ListVMsResponse list;
  ASSERT_TRUE(list_vms(*client_, "default", false, &list).ok());
  auto vm = find_vm(list, "junk");
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->state(), v1::BOOT_FAILED);
  EXPECT_EQ(vm->vmmpid(), 0);
  EXPECT_FALSE(vm->statereason().empty());
  Status paused = Call(Method::pause_vm, with_id<PauseVMRequest>("junk"));
  EXPECT_EQ(paused.code(), Code::failed_precondition);
  EXPECT_NE(paused.message().find("failed to boot"), std::string::npos) << paused.ToString();
  Status stopped = Stop("junk", 5);
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_FALSE(path_exists(emberd_->vm_dir("default", "junk"))) << "nothing is left behind";
  // Its post-mortem names the watchdog, not the StopVM that removed it.
  const std::string tombstones = emberd_->root() + "/tombstones/default";
  std::vector<std::string> names = list_dir(tombstones);
  ASSERT_EQ(names.size(), 1u) << tombstones;
  const std::string record = read_file(tombstones + "/" + names[0]).value_or("");
  EXPECT_NE(record.find("\"cause\": \"boot-watchdog\""), std::string::npos) << record;
  EXPECT_NE(record.find("vm.boot_timeout_seconds"), std::string::npos) << record;
}

TEST_F(QemuInventoryTest, StopOfABootingVmWaitsForReadyThenShutsItDownGracefully) {
  Start(0);
  ASSERT_TRUE(Call(Method::create_vm, small_vm_request("early")).ok()) << emberd_->log();
  // At once: the guest is still booting. Within the timeout it becomes ready
  // and powers off by itself, so the answer is OK, not "forcefully terminated".
  Status s = Stop("early", 120);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << emberd_->log();
  // The shim's own account: it waited for the guest rather than quitting it.
  EXPECT_NE(emberd_->log().find("guest not ready yet: powering it down once it is"),
            std::string::npos)
      << emberd_->log();
}

TEST_F(QemuInventoryTest, StopOfAPausedVmResumesItAndShutsItDownGracefully) {
  Start(0);
  EventStream events(*client_, "default");
  ASSERT_TRUE(Call(Method::create_vm, small_vm_request("napper")).ok()) << emberd_->log();
  ASSERT_TRUE(events.until("ready", "napper", kBootDeadline)) << emberd_->log();
  ASSERT_TRUE(Call(Method::pause_vm, with_id<PauseVMRequest>("napper")).ok());
  auto paused = events.until("pause", "napper", 30s);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->vm().state(), v1::PAUSED);
  Status s = Stop("napper", 60);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << emberd_->log();
  auto exit = events.until("exit", "napper", 30s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->cause(), "stopped");
}

TEST_F(QemuInventoryTest, OnlyAGuestThatCannotShutDownInTimeIsForced) {
  Start(0, NotAKernel());  // never ready, no watchdog: it cannot shut down
  ASSERT_TRUE(Call(Method::create_vm, small_vm_request("stuck")).ok()) << emberd_->log();
  EventStream events(*client_, "default");
  Status s = Stop("stuck", 2);
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "forcefully terminated VM stuck");
  auto exit = events.until("exit", "stuck", 30s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->cause(), "forcefully terminated VM stuck");
}

}  // namespace
}  // namespace ember::e2e
