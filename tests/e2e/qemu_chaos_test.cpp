// Chaos with real QEMU VMs: an emberd with the qemu backend runs three VMs
// (the guest image of the QEMU tests, KVM when usable, else TCG). A killer
// SIGKILLs, at random times, either the QEMU process or the shim of one of
// two victims; a client keeps calling GetVMInfo, Pause, Resume and metadata
// on all three and re-creates each victim once the killer released it. The
// third VM is never struck and must answer every call OK throughout
// (qemu_chaos_parts.hpp lists the checks made after each kill). Alongside, a
// second emberd with the hollow backend takes the churn of the chaos test
// (tests/e2e/chaos_workers.hpp) with its own shim killer.
//
// At the end, after stopping what is left: no VM dir, socket, shim or QEMU
// remains, emberd has no child, and its fd count is back at its baseline.
//
// Runs EMBER_CHAOS_QEMU_SECONDS (default 30) seconds; EMBER_CHAOS_SEED
// replays a run's choices (the seed is printed; the timing differs).
#include <gtest/gtest.h>
#include <poll.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "fccontrol.pb.h"
#include "tests/e2e/chaos_ledger.hpp"
#include "tests/e2e/chaos_workers.hpp"
#include "tests/e2e/qemu_chaos_parts.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr auto kSettle = 60s;  // bound for any one cleanup to show

bool stopped_or_gone(const Status& s, const std::string& id) {
  return s.ok() || s.code() == Code::not_found || s.message() == "forcefully terminated VM " + id;
}

// The hollow churn of the chaos test on its own emberd: two clients and a
// shim killer, finished and checked by finish().
class HollowChurn {
 public:
  explicit HollowChurn(uint32_t seed) : killer_(emberd_, gate_, seed + 2) {
    for (int i = 0; i < 4; ++i)
      settings_.ids.push_back("h" + std::to_string(i));
    settings_.max_pace = 50ms;
    for (uint32_t i = 0; i < 2; ++i)
      workers_.push_back(
          std::make_unique<ChurnWorker>(emberd_.socket(), settings_, ledger_, gate_, seed + i));
    for (auto& w : workers_)
      threads_.emplace_back([&w] { w->run(); });
    threads_.emplace_back([this] { killer_.run(); });
  }
  ~HollowChurn() { join(); }

  // Ends the churn, waits for the struck shims' cleanup, stops what is left
  // and checks that nothing remains and every call had an explainable end.
  void finish() {
    join();
    for (auto& k : killer_.take_kills()) {
      pollfd p{k.pidfd.get(), POLLIN, 0};
      EXPECT_EQ(::poll(&p, 1, static_cast<int>(kSettle.count() * 1000)), 1);
      pid_t now = shim_pid_of(k.vm_dir);
      if (now == k.pid || now == -1) wait_gone(k.vm_dir, kSettle);
    }
    FcClient client(emberd_.socket());
    for (const auto& id : settings_.ids) {
      client.call(Method::resume_vm, with_id<ResumeVMRequest>(id));
      auto r = client.call(Method::stop_vm, with_id<StopVMRequest>(id));
      EXPECT_TRUE(stopped_or_gone(r.status, id))
          << "hollow StopVM " << id << ": " << r.status.ToString();
      EXPECT_TRUE(wait_gone(emberd_.vm_dir("default", id), kSettle));
    }
    EXPECT_TRUE(list_dir(emberd_.vm_base_dir()).empty()) << "hollow VM dirs left";
    EXPECT_TRUE(list_dir(emberd_.state_dir()).empty()) << "hollow sockets left";
    EXPECT_TRUE(children_of(emberd_.pid()).empty()) << "hollow shims left";
    summary_ = ledger_->summary();
    EXPECT_EQ(summary_.never_completed, 0u);
    for (size_t i = 0; i < summary_.violations.size() && i < 20; ++i)
      ADD_FAILURE() << "hollow: " << summary_.violations[i];
    for (auto& w : workers_)
      for (const auto& p : w->problems())
        ADD_FAILURE() << "hollow client: " << p;
  }
  const CallLedger::Summary& summary() const { return summary_; }
  uint64_t kills() const { return killer_.kills(); }

 private:
  void join() {
    gate_.finish();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
  }

  Emberd emberd_;
  ChurnSettings settings_;
  std::shared_ptr<CallLedger> ledger_ = std::make_shared<CallLedger>();
  QuiesceGate gate_{3};
  std::vector<std::unique_ptr<ChurnWorker>> workers_;
  ShimKiller killer_;
  std::vector<std::thread> threads_;
  CallLedger::Summary summary_;
};

// Ends the run and joins its threads however the test ends.
struct Crew {
  explicit Crew(StopFlag& s) : stop(s) {}
  ~Crew() {
    stop.stop();
    for (auto& t : threads)
      t.join();
  }
  StopFlag& stop;
  std::vector<std::thread> threads;
};

class QemuChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shimtest::qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    std::string kernel;
    Status s = shimtest::guest_kernel(&kernel);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EmberdOptions opts;
    opts.vmm_yaml = shimtest::qemu_config_yaml(kernel, 128);
    emberd_ = std::make_unique<Emberd>(opts);
    checker_ = std::make_unique<FcClient>(emberd_->socket());
  }

  Status call(Method m, const std::string& payload) {
    return checker_->call(m, payload, "default", 60s).status;
  }

  // Connections the clients closed are closed by emberd when it reads their
  // EOF; each round trip here gives its I/O thread that turn.
  size_t fds_after_settling(size_t baseline) {
    size_t n = open_fds(emberd_->pid()).size();
    for (int i = 0; i < 200 && n != baseline; ++i) {
      call(Method::get_vm_info, with_id<GetVMInfoRequest>("ghost"));
      n = open_fds(emberd_->pid()).size();
    }
    return n;
  }

  std::unique_ptr<Emberd> emberd_;
  std::unique_ptr<FcClient> checker_;
  const std::string keeper_ = "k0";
  const std::vector<std::string> victims_ = {"q1", "q2"};
};

TEST_F(QemuChaosTest, KilledQemuOrShimTakesOnlyItsVmAndTheIdIsReusable) {
  const auto duration = std::chrono::seconds(env_number("EMBER_CHAOS_QEMU_SECONDS", 30));
  const auto seed = static_cast<uint32_t>(env_number("EMBER_CHAOS_SEED", std::random_device{}()));
  std::cout << "qemu chaos: " << duration.count() << " s, seed " << seed << std::endl;

  // Baseline after one VM cycle (first use allocates lasting fds). A guest
  // not booted yet is waited for at StopVM, and forced ("forcefully
  // terminated") only if it is not ready within the stop timeout.
  ASSERT_TRUE(call(Method::create_vm, small_vm_request("warm")).ok()) << emberd_->log();
  Status warm = call(Method::stop_vm, with_id<StopVMRequest>("warm"));
  ASSERT_TRUE(stopped_or_gone(warm, "warm")) << warm.ToString() << "\n" << emberd_->log();
  const auto baseline_fds = open_fds(emberd_->pid());

  std::vector<std::string> ids = victims_;
  ids.push_back(keeper_);
  VmBook book(ids);
  for (const auto& id : ids) {
    ASSERT_TRUE(call(Method::create_vm, small_vm_request(id)).ok()) << emberd_->log();
    book.set_up(id);
  }
  const pid_t keeper_shim = shim_pid_of(emberd_->vm_dir("default", keeper_));

  HollowChurn hollow(seed + 10);
  StopFlag stop;
  auto client = std::make_unique<QemuClient>(*emberd_, book, ids, seed);
  auto killer = std::make_unique<QemuKiller>(*emberd_, book, victims_, seed + 1);
  {
    Crew crew(stop);
    crew.threads.emplace_back([&] { client->run(stop); });
    crew.threads.emplace_back([&] { killer->run(stop); });
    std::this_thread::sleep_for(duration);
  }  // stopped and joined
  hollow.finish();
  for (const Tally* t : {&client->tally(), &killer->tally()})
    for (size_t i = 0; i < t->violations.size() && i < 20; ++i)
      ADD_FAILURE() << t->violations[i];
  const auto strikes = killer->qemu_kills() + killer->shim_kills();
  EXPECT_GT(strikes, 0u) << "no strike in the run";
  std::cout << "qemu chaos figures: " << duration.count() << " s, seed " << seed << ", "
            << killer->qemu_kills() << " QEMU + " << killer->shim_kills()
            << " shim SIGKILLs, slowest cleanup " << killer->slowest_cleanup().count() << " ms, "
            << client->calls() << " client calls (" << client->creates()
            << " CreateVM); hollow: " << hollow.summary().sent << " calls, " << hollow.kills()
            << " shims killed\n";
  for (const auto& [key, n] : client->tally().outcomes)
    std::cout << "  " << key.first << " " << key.second << ": " << n << "\n";
  std::cout << std::flush;
  client.reset();  // their connections close
  killer.reset();

  // The keeper was never struck: the same shim, still answering.
  EXPECT_EQ(shim_pid_of(emberd_->vm_dir("default", keeper_)), keeper_shim);
  EXPECT_TRUE(call(Method::get_vm_info, with_id<GetVMInfoRequest>(keeper_)).ok());
  for (const auto& id : ids) {
    call(Method::resume_vm, with_id<ResumeVMRequest>(id));
    Status s = call(Method::stop_vm, with_id<StopVMRequest>(id));
    EXPECT_TRUE(stopped_or_gone(s, id)) << "StopVM " << id << ": " << s.ToString();
  }
  EXPECT_TRUE(list_dir(emberd_->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd_->state_dir()).empty());
  EXPECT_TRUE(children_of(emberd_->pid()).empty());
  for (pid_t p : processes_under(emberd_->root()))
    EXPECT_EQ(p, emberd_->pid()) << "process " << p << " left below emberd's root";
  EXPECT_EQ(fds_after_settling(baseline_fds.size()), baseline_fds.size())
      << "baseline:\n"
      << describe_fds(baseline_fds) << "now:\n"
      << describe_fds(open_fds(emberd_->pid()));
}

}  // namespace
}  // namespace ember::e2e
