// End to end with real VMs: emberd on its default backend (qemu), booting the
// Debian guest image under QEMU (KVM when usable, else TCG), several at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <vector>

#include "fccontrol.pb.h"
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

  std::unique_ptr<Emberd> emberd;
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
