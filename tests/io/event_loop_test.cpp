// EventLoop (post, watch_readable, after, cancel_watch) and LineReader.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

#include "io/event_loop.hpp"
#include "io/line_reader.hpp"
#include "test_util.hpp"

namespace ember::io {
namespace {

// Writes to closed pipes must fail with EPIPE, not kill the test binary.
[[maybe_unused]] const bool kSigpipeIgnored = (std::signal(SIGPIPE, SIG_IGN), true);

using ember::testing::run_on_loop;
using ember::testing::wait_for;
using ember::testing::wait_until_idle;

struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      r.reset(fds[0]);
      w.reset(fds[1]);
    }
  }
  UniqueFd r, w;
};

TEST(EventLoopTest, PostRunsOnTheLoopThread) {
  EventLoop loop;
  EXPECT_FALSE(loop.in_loop_thread());
  loop.start_thread();
  std::atomic<bool> on_loop{false};
  run_on_loop(loop, [&] { on_loop = loop.in_loop_thread(); });
  EXPECT_TRUE(on_loop);
  EXPECT_FALSE(loop.in_loop_thread());
}

TEST(EventLoopTest, RunReturnsAfterStopNotWhenIdle) {
  EventLoop loop;
  std::atomic<bool> returned{false};
  std::thread t([&] {
    loop.run();
    returned = true;
  });
  ASSERT_TRUE(wait_until_idle(loop)) << "run() returned when idle";
  EXPECT_FALSE(returned);  // idle, but work-guarded
  loop.stop();
  t.join();
  EXPECT_TRUE(returned);
}

TEST(EventLoopTest, WatchReadableFiresOnceWhenReadable) {
  EventLoop loop;
  loop.start_thread();
  Pipe p;
  std::atomic<int> calls{0};
  std::atomic<bool> in_loop{false};
  loop.watch_readable(p.r.get(), [&] {
    in_loop = loop.in_loop_thread();
    ++calls;
  });
  ASSERT_TRUE(wait_until_idle(loop));
  EXPECT_EQ(calls, 0);
  ASSERT_EQ(::write(p.w.get(), "x", 1), 1);
  ASSERT_TRUE(wait_for([&] { return calls == 1; }));
  EXPECT_TRUE(in_loop);
  // Still readable, but the watch was one-shot.
  ASSERT_TRUE(wait_until_idle(loop));
  EXPECT_EQ(calls, 1);
  // The caller's fd is untouched (the loop waited on a dup).
  char c;
  EXPECT_EQ(::read(p.r.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(EventLoopTest, WatchOfAnAlreadyReadableFdAndHangup) {
  EventLoop loop;
  loop.start_thread();
  Pipe a, b;
  ASSERT_EQ(::write(a.w.get(), "x", 1), 1);
  b.w.reset();  // hang-up counts as readable
  std::atomic<int> calls{0};
  run_on_loop(loop, [&] {
    loop.watch_readable(a.r.get(), [&] { ++calls; });
    loop.watch_readable(b.r.get(), [&] { ++calls; });
  });
  ASSERT_TRUE(wait_for([&] { return calls == 2; }));
}

TEST(EventLoopTest, CancelledWatchNeverFires) {
  EventLoop loop;
  loop.start_thread();
  Pipe p;
  std::atomic<int> calls{0};
  run_on_loop(loop, [&] {
    auto id = loop.watch_readable(p.r.get(), [&] { ++calls; });
    loop.cancel_watch(id);
    // Readable already, cancelled in the same turn: must not fire either.
    ASSERT_EQ(::write(p.w.get(), "x", 1), 1);
    auto id2 = loop.watch_readable(p.r.get(), [&] { ++calls; });
    loop.cancel_watch(id2);
  });
  auto id3 = loop.watch_readable(p.r.get(), [&] { ++calls; });  // from another thread
  ASSERT_TRUE(wait_for([&] { return calls == 1; }));
  run_on_loop(loop, [&] { loop.cancel_watch(id3); });  // already fired: a no-op
  ASSERT_TRUE(wait_until_idle(loop));
  EXPECT_EQ(calls, 1);
}

TEST(EventLoopTest, AfterFiresAndCanBeCancelled) {
  EventLoop loop;
  loop.start_thread();
  std::atomic<int> fired{0};
  auto start = std::chrono::steady_clock::now();
  std::atomic<long> elapsed_ms{0};
  loop.after(50, [&] {
    elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    fired += 1;
  });
  std::atomic<int> cancelled_fired{0};
  run_on_loop(loop, [&] {
    auto id = loop.after(20, [&] { cancelled_fired = 1; });
    loop.cancel_watch(id);
  });
  ASSERT_TRUE(wait_for([&] { return fired == 1; }));
  EXPECT_GE(elapsed_ms, 50);
  ASSERT_TRUE(wait_until_idle(loop));  // the 20 ms timer, had it stayed, would have fired first
  EXPECT_EQ(cancelled_fired, 0);
  EXPECT_EQ(fired, 1);
}

TEST(EventLoopTest, StopDropsPendingWorkAndDestructorJoins) {
  std::atomic<int> ran{0};
  Pipe p;  // outlives the loop: its hang-up must not count
  {
    EventLoop loop;
    loop.start_thread();
    loop.after(10000, [&] { ran = 1; });
    loop.watch_readable(p.r.get(), [&] { ran = 2; });
    ASSERT_TRUE(wait_until_idle(loop));  // both armed: the loop waits on them
  }
  EXPECT_EQ(ran, 0);
}

// ---- LineReader ----

struct Collected {
  std::mutex mu;
  std::vector<std::string> lines;
  std::atomic<bool> eof{false};
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
};

TEST(LineReaderTest, LinesPartialWritesAndTrailingPartialAtEof) {
  EventLoop loop;
  loop.start_thread();
  Pipe p;
  Collected c;
  std::atomic<bool> eof_after_lines{false};
  LineReader reader(
      loop, std::move(p.r),
      [&](std::string_view line) {
        EXPECT_TRUE(loop.in_loop_thread());
        std::lock_guard<std::mutex> lock(c.mu);
        c.lines.emplace_back(line);
      },
      [&] {
        std::lock_guard<std::mutex> lock(c.mu);
        eof_after_lines = c.lines.size() == 5;
        c.eof = true;
      });
  ASSERT_EQ(::write(p.w.get(), "one\ntw", 6), 6);
  ASSERT_TRUE(wait_for([&] { return c.get().size() == 1; }));
  ASSERT_EQ(::write(p.w.get(), "o\n\nthree\nfour", 13), 13);
  ASSERT_TRUE(wait_for([&] { return c.get().size() == 4; }));
  ASSERT_TRUE(wait_until_idle(loop));
  EXPECT_EQ(c.get().size(), 4u) << "no partial line before EOF";
  p.w.reset();
  ASSERT_TRUE(wait_for([&] { return c.eof.load(); }));
  EXPECT_EQ(c.get(), (std::vector<std::string>{"one", "two", "", "three", "four"}));
  EXPECT_TRUE(eof_after_lines);
}

TEST(LineReaderTest, LongLinesAreSplitAt4KiB) {
  EventLoop loop;
  loop.start_thread();
  Pipe p;
  Collected c;
  LineReader reader(
      loop, std::move(p.r),
      [&](std::string_view line) {
        std::lock_guard<std::mutex> lock(c.mu);
        c.lines.emplace_back(line);
      },
      [&] { c.eof = true; });
  std::string long_line(10000, 'L');
  std::string exact(LineReader::kMaxLine, 'E');
  std::string data = long_line + "\n" + exact + "\nshort\n" + std::string(4097, 'M');
  std::thread writer([&] {
    // Dribble it in odd-sized writes, so pieces straddle reads.
    for (size_t off = 0; off < data.size(); off += 777) {
      std::string_view piece = std::string_view(data).substr(off, 777);
      ASSERT_EQ(::write(p.w.get(), piece.data(), piece.size()), ssize_t(piece.size()));
    }
    p.w.reset();
  });
  writer.join();
  ASSERT_TRUE(wait_for([&] { return c.eof.load(); }));
  auto lines = c.get();
  std::vector<std::string> want = {std::string(4096, 'L'),
                                   std::string(4096, 'L'),
                                   std::string(1808, 'L'),
                                   exact,
                                   "short",
                                   std::string(4096, 'M'),
                                   "M"};
  EXPECT_EQ(lines, want);
}

TEST(LineReaderTest, DestroyedReaderStopsCallingBack) {
  EventLoop loop;
  loop.start_thread();
  Pipe p;
  std::atomic<int> lines{0};
  std::atomic<int> eofs{0};
  auto reader = std::make_unique<LineReader>(
      loop, std::move(p.r), [&](std::string_view) { ++lines; }, [&] { ++eofs; });
  ASSERT_EQ(::write(p.w.get(), "a\n", 2), 2);
  ASSERT_TRUE(wait_for([&] { return lines == 1; }));
  run_on_loop(loop, [&] { reader.reset(); });
  ASSERT_EQ(::write(p.w.get(), "b\n", 2), -1) << "the read end was closed";
  p.w.reset();
  ASSERT_TRUE(wait_until_idle(loop));
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(eofs, 0);
}

}  // namespace
}  // namespace ember::io
