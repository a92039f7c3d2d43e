// ShimHost's launch: its blocking steps run on LaunchWorkers, the rest on the
// loop thread; a host that goes away (destroyed, or detached as emberd exits)
// while its launch is under way leaves no process, socket file or directory.
#include "shimproc/shim_host.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <future>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "shimproc/shim_address.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimproc {
namespace {

using testsupport::TempTree;

struct Started {
  Status status;
  int32_t pid = 0;
  bool on_loop_thread = false;
};

struct NoticedEvents : msg::VmEvents {
  explicit NoticedEvents(io::EventLoop& l) : loop(l) {}
  void started(Status s, int32_t pid) override {
    started_promise.set_value({s, pid, loop.in_loop_thread()});
  }
  void shim_replied(uint64_t, msg::RpcReply) override {}
  void shim_exited(msg::ShimExit e) override { exited_promise.set_value(e.signal); }
  void timer_fired(uint64_t token) override { fired.push_back(token); }  // loop thread

  io::EventLoop& loop;
  std::promise<Started> started_promise;
  std::promise<int> exited_promise;
  std::vector<uint64_t> fired;
};

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// True while this process has a child, reaped or not.
bool has_children() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

class ShimHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Stands in for ember-shim: it never answers, so only the launch counts.
    std::ofstream(tree / "shim.sh") << "#!/bin/sh\nexec sleep 600\n";
    ASSERT_EQ(::chmod((tree / "shim.sh").c_str(), 0700), 0);
    cfg.shim_binary = tree / "shim.sh";
    cfg.state_dir = tree / "state";
    cfg.shim_base_dir = tree / "vms";
    cfg.containerd_address = tree / "containerd.sock";
    loop.start_thread();
  }

  // Runs fn on the loop thread, where hosts live, and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::string vm_dir() const { return cfg.shim_base_dir + "/ns1#vm1"; }
  std::string shim_socket() const {
    return shim_socket_path(cfg.state_dir, cfg.containerd_address, "ns1", "vm1");
  }

  TempTree tree;
  config::Config cfg;
  io::EventLoop loop;
};

TEST_F(ShimHostTest, LaunchReportsTheShimOnTheLoopThreadAndRemoveAllLeavesNothing) {
  auto events = std::make_shared<NoticedEvents>(loop);
  auto started = events->started_promise.get_future();
  auto exited = events->exited_promise.get_future();
  std::unique_ptr<msg::VmEffects> host;
  {
    ShimHostFactory factory(loop, cfg);
    on_loop([&] {
      host = factory.make({"ns1", "vm1"}, events);
      host->launch();
    });
    Started s = started.get();
    ASSERT_TRUE(s.status.ok()) << s.status.message();
    EXPECT_GT(s.pid, 0);
    EXPECT_TRUE(s.on_loop_thread);
    EXPECT_TRUE(exists(vm_dir()));
    on_loop([&] { host->kill_shim("the test is over"); });
    EXPECT_EQ(exited.get(), SIGKILL);
    on_loop([&] { host->remove_all(); });
  }
  EXPECT_FALSE(exists(vm_dir()));
  EXPECT_FALSE(exists(shim_socket()));
  on_loop([&] { host.reset(); });
  EXPECT_FALSE(has_children());
}

// A timer reaches the VM's events while its host lives; one that runs out
// after the host is gone reaches nobody (and so is not journaled).
TEST_F(ShimHostTest, ATimerOfAHostThatIsGoneReachesNobody) {
  auto events = std::make_shared<NoticedEvents>(loop);
  ShimHostFactory factory(loop, cfg);
  std::unique_ptr<msg::VmEffects> kept, gone;
  on_loop([&] {
    kept = factory.make({"ns1", "vm1"}, events);
    gone = factory.make({"ns1", "vm2"}, events);
    kept->start_timer(std::chrono::milliseconds(20), 1);
    gone->start_timer(std::chrono::milliseconds(10), 2);
    gone.reset();
  });
  std::promise<void> later;
  on_loop([&] { loop.after(100, [&] { later.set_value(); }); });
  later.get_future().wait();
  on_loop([&] {
    EXPECT_EQ(events->fired, std::vector<uint64_t>{1});
    kept.reset();
  });
}

// Destroyed, or detached, before the launch ends: the launch is undone.
class ShimHostGoneTest : public ShimHostTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ShimHostGoneTest, AHostGoneDuringItsLaunchLeavesNoProcessSocketOrDirectory) {
  const bool detach = GetParam();
  auto events = std::make_shared<NoticedEvents>(loop);
  {
    ShimHostFactory factory(loop, cfg);
    on_loop([&] {
      auto host = factory.make({"ns1", "vm1"}, events);
      host->launch();
      if (detach) host->detach();
    });
  }                // the factory finishes the launch; its result is posted to the loop
  on_loop([] {});  // and handled before this
  EXPECT_FALSE(exists(vm_dir()));
  EXPECT_FALSE(exists(shim_socket()));
  EXPECT_FALSE(exists(fccontrol_socket_path(shim_socket())));
  EXPECT_FALSE(has_children());
}

INSTANTIATE_TEST_SUITE_P(DestroyedOrDetached, ShimHostGoneTest, ::testing::Bool());

}  // namespace
}  // namespace ember::shimproc
