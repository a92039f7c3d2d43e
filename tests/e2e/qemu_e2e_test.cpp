// End to end with real VMs: emberd on its default backend (qemu), booting the
// Debian guest image under QEMU (KVM when usable, else TCG), several at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>
#include <vector>

#include "fccontrol.pb.h"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/e2e/console_session.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;
using shimtest::kBootDeadline;

constexpr int kVms = 3;

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

std::string create_request(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  r.mutable_balloondevice()->set_amountmib(0);
  r.mutable_balloondevice()->set_deflateonoom(true);
  return r.SerializeAsString();
}

// The QEMU processes of a shim (its children).
std::vector<pid_t> qemu_of(pid_t shim) {
  return shimtest::child_pids(shim);
}

class QemuE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shimtest::qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    std::string kernel;
    Status s = shimtest::guest_kernel(&kernel);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EmberdOptions opts;
    opts.vmm_yaml = shimtest::qemu_config_yaml(kernel, 128);
    emberd = std::make_unique<Emberd>(opts);
  }

  std::string dir_of(const std::string& id) const { return emberd->vm_dir("default", id); }

  // Creates kVms VMs at once and waits until every guest printed its ready
  // line; returns their shim pids.
  std::vector<pid_t> boot_all(FcClient& client) {
    std::vector<std::future<ttrpc::CallResult>> creates;
    for (int i = 0; i < kVms; ++i) {
      creates.push_back(std::async(std::launch::async, [&client, i] {
        return client.call(Method::create_vm, create_request("q" + std::to_string(i)));
      }));
    }
    std::vector<pid_t> shims;
    for (int i = 0; i < kVms; ++i) {
      auto r = creates[i].get();
      EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
      std::string dir = dir_of("q" + std::to_string(i));
      EXPECT_TRUE(shimtest::wait_for_file(dir + "/guest-ready", kBootDeadline))
          << "guest q" << i << " never got ready\n"
          << emberd->log();
      shims.push_back(shim_pid_of(dir));
    }
    return shims;
  }

  std::vector<std::string> ctl_args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--address", emberd->socket()});
    return args;
  }
  ctltest::CtlResult ctl(const std::vector<std::string>& args) {
    return ctltest::run_emberctl(work.path(), ctl_args(args));
  }
  // The newest tombstone of id (default namespace), as `emberctl --json` shows it.
  nlohmann::json tombstone(const std::string& id) {
    auto r = ctl({"--json", "vm", "tombstone", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  std::unique_ptr<Emberd> emberd;
  ctltest::TempDir work;
};

TEST_F(QemuE2eTest, ThreeVmsBootConcurrentlyThroughEmberdAndStopCleanly) {
  FcClient client(emberd->socket());
  auto shims = boot_all(client);
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));
  std::vector<pid_t> qemus;
  for (pid_t shim : shims) {
    auto q = qemu_of(shim);
    ASSERT_EQ(q.size(), 1u) << "shim " << shim << " should run exactly one qemu";
    qemus.push_back(q[0]);
  }

  EXPECT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("q0")).status.ok());
  EXPECT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("q0")).status.ok());
  UpdateBalloonRequest ub;
  ub.set_vmid("q1");
  ub.set_amountmib(32);
  EXPECT_TRUE(client.call(Method::update_balloon, ub.SerializeAsString()).status.ok());
  auto stats = client.call(Method::get_balloon_stats, with_id<GetBalloonStatsRequest>("q1"));
  ASSERT_TRUE(stats.status.ok()) << stats.status.ToString();
  GetBalloonStatsResponse sr;
  ASSERT_TRUE(sr.ParseFromString(stats.payload));
  EXPECT_EQ(sr.targetmib(), 32);
  EXPECT_GT(sr.totalmemory(), 0);

  for (int i = 0; i < kVms; ++i) {
    auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("q" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
    EXPECT_FALSE(process_alive(shims[i]));
    EXPECT_FALSE(process_alive(qemus[i])) << "qemu of q" << i << " outlived StopVM";
  }
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd->state_dir()).empty());
  EXPECT_TRUE(children_of(emberd->pid()).empty());
}

TEST_F(QemuE2eTest, KilledShimTakesItsQemuAndGuestPowerOffEndsTheVm) {
  FcClient client(emberd->socket());
  auto shims = boot_all(client);
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));

  // SIGKILL of a shim: its qemu dies with it (PR_SET_PDEATHSIG), emberd
  // cleans up, the VM is unknown.
  auto qemu0 = qemu_of(shims[0]);
  ASSERT_EQ(qemu0.size(), 1u);
  ASSERT_EQ(::kill(shims[0], SIGKILL), 0);
  EXPECT_TRUE(shimtest::wait_gone(qemu0[0], 60s));
  EXPECT_TRUE(wait_gone(dir_of("q0"), 60s)) << emberd->log();
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("q0")).status.code(),
            Code::not_found);

  // The guest powers itself off: qemu exits, the shim exits, emberd forgets.
  shimtest::GuestAgent agent;
  ASSERT_TRUE(agent.connect(dir_of("q1") + "/agent.sock").ok());
  ASSERT_TRUE(agent.send("poweroff -f").ok());
  EXPECT_TRUE(wait_gone(dir_of("q1"), 120s)) << emberd->log();
  EXPECT_FALSE(process_alive(shims[1]));
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("q1")).status.code(),
            Code::not_found);

  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("q2")).status.ok());
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(children_of(emberd->pid()).empty());

  // Each left a tombstone saying how it ended, with its console's tail.
  auto killed = tombstone("q0");
  EXPECT_EQ(killed["cause"], "shim-killed") << killed.dump(2);
  EXPECT_NE(killed.value("console_tail", std::string()).find("EMBER-GUEST-READY"),
            std::string::npos);
  EXPECT_TRUE(killed["ready"].is_string());
  auto off = tombstone("q1");
  EXPECT_EQ(off["cause"], "guest-power-off") << off.dump(2);
  EXPECT_EQ(off["vmm_exit"], "the guest shut down");
  EXPECT_EQ(tombstone("q2")["cause"], "stop");
}

TEST_F(QemuE2eTest, KilledQemuIsRecordedAsAVmmCrashWithItsSignal) {
  FcClient client(emberd->socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("q0")).status.ok()) << emberd->log();
  ASSERT_TRUE(shimtest::wait_for_file(dir_of("q0") + "/guest-ready", kBootDeadline))
      << emberd->log();
  auto qemu = qemu_of(shim_pid_of(dir_of("q0")));
  ASSERT_EQ(qemu.size(), 1u);
  ASSERT_EQ(::kill(qemu[0], SIGKILL), 0);
  ASSERT_TRUE(wait_gone(dir_of("q0"), 60s)) << emberd->log();
  auto t = tombstone("q0");
  EXPECT_EQ(t["cause"], "vmm-crash") << t.dump(2);
  EXPECT_EQ(t["shim_exit"]["code"], 1);
  EXPECT_EQ(t.value("vmm_exit", std::string()).rfind("INTERNAL: qemu killed by signal 9", 0), 0u)
      << t.dump(2);
  EXPECT_NE(t.value("console_tail", std::string()).find("EMBER-GUEST-READY"), std::string::npos);
}

TEST_F(QemuE2eTest, OneVmThroughExecLogsConsoleAndItsTombstone) {
  FcClient client(emberd->socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("q0")).status.ok()) << emberd->log();
  ASSERT_TRUE(shimtest::wait_for_file(dir_of("q0") + "/guest-ready", kBootDeadline))
      << emberd->log();

  auto exec = ctl({"vm", "exec", "q0", "--", "sh", "-c", "echo out-$((6*7)); exit 3"});
  EXPECT_EQ(exec.exit_code, 3) << exec.err;
  EXPECT_EQ(exec.out, "out-42\n");

  auto logs = ctl({"vm", "logs", "q0"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("EMBER-GUEST-READY"), std::string::npos) << logs.out;

  // The serial console: a line typed runs in the guest's shell; Ctrl-] detaches.
  ConsoleSession console(ctl_args({"vm", "console", "q0"}));
  ASSERT_TRUE(console.send("echo con-$((6*7))\n"));
  EXPECT_TRUE(console.wait_for_output("con-42", kBootDeadline)) << console.output();
  ASSERT_TRUE(console.send("\x1d"));
  EXPECT_EQ(console.wait_exit(), 0) << console.output();

  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("q0")).status.ok());
  auto t = tombstone("q0");
  EXPECT_EQ(t["cause"], "stop");
  EXPECT_EQ(t["backend"], "qemu");
  EXPECT_TRUE(t["ready"].is_string());
  EXPECT_NE(t.value("console_tail", std::string()).find("con-42"), std::string::npos) << t.dump(2);
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
}

TEST_F(QemuE2eTest, RestartedEmberdAdoptsRunningQemuVms) {
  std::vector<pid_t> shims;
  {
    FcClient client(emberd->socket());
    shims = boot_all(client);
  }
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));
  EXPECT_EQ(emberd->stop(SIGKILL), 128 + SIGKILL);
  for (pid_t p : shims)
    EXPECT_TRUE(process_alive(p));

  emberd->restart();
  FcClient client(emberd->socket());
  for (int i = 0; i < kVms; ++i) {
    std::string id = "q" + std::to_string(i);
    auto r = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id));
    EXPECT_TRUE(r.status.ok()) << id << ": " << r.status.ToString();
  }
  EXPECT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("q2")).status.ok());
  EXPECT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("q2")).status.ok());
  for (int i = 0; i < kVms; ++i) {
    auto qemu = qemu_of(shims[i]);
    auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("q" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
    EXPECT_FALSE(process_alive(shims[i]));
    for (pid_t q : qemu)
      EXPECT_FALSE(process_alive(q));
  }
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd->state_dir()).empty());
}

}  // namespace
}  // namespace ember::e2e
