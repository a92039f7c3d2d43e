// FdPump: drives an inner epoll set (as CAF's multiplexer is driven) from the
// loop thread, drains it, yields when busy, and stops for good.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/fd_pump.hpp"
#include "test_util.hpp"

namespace ember::io {
namespace {

using ember::testing::run_on_loop;
using ember::testing::wait_for;

// An inner "event loop": an epoll set watching one pipe. One step reads at
// most one byte, so n bytes written take n steps (and one more that finds
// nothing), like a multiplexer handling one event per call.
struct InnerLoop {
  InnerLoop() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      r.reset(fds[0]);
      w.reset(fds[1]);
    }
    ep.reset(::epoll_create1(EPOLL_CLOEXEC));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, r.get(), &ev);
  }
  bool step() {
    epoll_event ev{};
    if (::epoll_wait(ep.get(), &ev, 1, 0) != 1) return false;
    char c = 0;
    if (::read(r.get(), &c, 1) == 1) ++bytes;
    on_loop = on_loop && loop_thread_check();
    return true;
  }
  void put(int n) {
    std::string s(static_cast<size_t>(n), 'x');
    ASSERT_EQ(::write(w.get(), s.data(), s.size()), n);
  }
  std::function<bool()> loop_thread_check;
  UniqueFd r, w, ep;
  std::atomic<int> bytes{0};
  std::atomic<bool> on_loop{true};
};

TEST(FdPumpTest, RunsTheInnerLoopOnTheLoopThreadWheneverItHasWork) {
  EventLoop loop;
  loop.start_thread();
  InnerLoop inner;
  inner.loop_thread_check = [&] { return loop.in_loop_thread(); };
  FdPump pump(loop, inner.ep.get(), [&] { return inner.step(); });
  inner.put(1);
  ASSERT_TRUE(wait_for([&] { return inner.bytes == 1; }));
  // Work arriving after the pump went idle wakes it again, many times over.
  for (int i = 2; i <= 50; ++i) {
    inner.put(1);
    ASSERT_TRUE(wait_for([&] { return inner.bytes == i; })) << "round " << i;
  }
  EXPECT_TRUE(inner.on_loop);
}

TEST(FdPumpTest, WorkPendingBeforeThePumpStartsIsDone) {
  EventLoop loop;
  loop.start_thread();
  InnerLoop inner;
  inner.loop_thread_check = [] { return true; };
  inner.put(3);
  FdPump pump(loop, inner.ep.get(), [&] { return inner.step(); });
  EXPECT_TRUE(wait_for([&] { return inner.bytes == 3; }));
}

TEST(FdPumpTest, ABusyInnerLoopYieldsToTheLoopsOtherHandlers) {
  EventLoop loop;
  loop.start_thread();
  InnerLoop inner;
  inner.loop_thread_check = [] { return true; };
  // 1000 events take 1000 steps: far more than one turn's budget, so a handler
  // posted meanwhile runs before the inner loop is drained.
  inner.put(1000);
  std::atomic<int> seen_by_other{-1};
  FdPump pump(loop, inner.ep.get(), [&] { return inner.step(); });
  loop.post([&] { seen_by_other = inner.bytes.load(); });
  ASSERT_TRUE(wait_for([&] { return inner.bytes == 1000; }));
  ASSERT_TRUE(wait_for([&] { return seen_by_other >= 0; }));
  EXPECT_LT(seen_by_other.load(), 1000);
}

TEST(FdPumpTest, AfterDestructionTheStepNeverRunsAgain) {
  EventLoop loop;
  loop.start_thread();
  InnerLoop inner;
  inner.loop_thread_check = [] { return true; };
  std::atomic<int> steps{0};
  {
    FdPump pump(loop, inner.ep.get(), [&] {
      ++steps;
      return inner.step();
    });
    inner.put(1);
    ASSERT_TRUE(wait_for([&] { return inner.bytes == 1; }));
  }
  int after = steps;
  inner.put(5);
  run_on_loop(loop, [] {});  // a full loop turn with the pipe readable
  run_on_loop(loop, [] {});
  EXPECT_EQ(steps.load(), after);
  EXPECT_EQ(inner.bytes.load(), 1);
}

TEST(FdPumpTest, CanBeDestroyedOnTheLoopThread) {
  EventLoop loop;
  loop.start_thread();
  InnerLoop inner;
  inner.loop_thread_check = [] { return true; };
  auto pump = std::make_unique<FdPump>(loop, inner.ep.get(), [&] { return inner.step(); });
  run_on_loop(loop, [&] { pump.reset(); });
  inner.put(1);
  run_on_loop(loop, [] {});
  EXPECT_EQ(inner.bytes.load(), 0);
}

}  // namespace
}  // namespace ember::io
