// run_closed_loop: the count, the depth and the stop conditions of a phase.
#include <gtest/gtest.h>

#include <atomic>

#include "bench/lib/runner.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {
namespace {

class BenchRunnerTest : public ::testing::Test {
 protected:
  BenchRunnerTest() { loop_.start_thread(); }
  io::EventLoop loop_;
};

TEST_F(BenchRunnerTest, RunsEveryOperationWithAtMostTheGivenDepth) {
  size_t in_flight = 0, deepest = 0;  // loop thread
  std::vector<int> seen(50, 0);
  RunLimits limits;
  limits.count = 50;
  limits.concurrency = 4;
  RunStats st = run_closed_loop(
      loop_, limits,
      [&](size_t i, Finish finish) {
        ++seen[i];
        deepest = std::max(deepest, ++in_flight);
        // Completes later, as a call would.
        loop_.after(1, [&, i, finish] {
          --in_flight;
          finish(i % 10 == 0 ? Status::NotFound("x") : Status::Ok());
        });
      },
      nullptr);
  EXPECT_EQ(st.requested, 50u);
  EXPECT_EQ(st.started, 50u);
  EXPECT_EQ(st.succeeded, 45u);
  EXPECT_EQ(st.failed, 5u);
  EXPECT_EQ(st.errors.total(), 5u);
  EXPECT_FALSE(st.cut_short);
  EXPECT_EQ(deepest, 4u);
  for (int n : seen)
    EXPECT_EQ(n, 1);
}

TEST_F(BenchRunnerTest, OperationsThatFinishAtOnceDoNotRecurse) {
  RunLimits limits;
  limits.count = 100000;
  limits.concurrency = 8;
  RunStats st = run_closed_loop(
      loop_, limits, [](size_t, Finish finish) { finish(Status::Ok()); }, nullptr);
  EXPECT_EQ(st.succeeded, 100000u);
}

TEST_F(BenchRunnerTest, ASecondFinishIsIgnored) {
  RunLimits limits;
  limits.count = 3;
  RunStats st = run_closed_loop(
      loop_, limits,
      [](size_t, Finish finish) {
        finish(Status::Ok());
        finish(Status::Internal("again"));
      },
      nullptr);
  EXPECT_EQ(st.succeeded, 3u);
  EXPECT_EQ(st.failed, 0u);
}

TEST_F(BenchRunnerTest, CancelStopsStartingButLetsRunningOperationsFinish) {
  std::atomic<bool> cancel{false};
  RunLimits limits;
  limits.count = 1000;
  limits.concurrency = 2;
  limits.cancel = &cancel;
  RunStats st = run_closed_loop(
      loop_, limits,
      [&](size_t i, Finish finish) {
        if (i == 9) cancel = true;
        loop_.after(1, [finish] { finish(Status::Ok()); });
      },
      nullptr);
  EXPECT_TRUE(st.cut_short);
  EXPECT_EQ(st.started, 10u);
  EXPECT_EQ(st.succeeded, 10u);
}

TEST_F(BenchRunnerTest, NothingStartsAfterTheDeadline) {
  RunLimits limits;
  limits.count = 10;
  limits.start_deadline = Clock::now();
  RunStats st = run_closed_loop(
      loop_, limits, [](size_t, Finish finish) { finish(Status::Ok()); }, nullptr);
  EXPECT_EQ(st.started, 0u);
  EXPECT_TRUE(st.cut_short);
}

TEST_F(BenchRunnerTest, ZeroOperationsEndAtOnce) {
  RunStats st = run_closed_loop(
      loop_, RunLimits{}, [](size_t, Finish finish) { finish(Status::Ok()); }, nullptr);
  EXPECT_EQ(st.started, 0u);
  EXPECT_FALSE(st.cut_short);
}

}  // namespace
}  // namespace ember::bench
