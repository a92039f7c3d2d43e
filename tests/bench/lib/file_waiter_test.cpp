// FileWaiter: a file appearing in a directory, a marker appearing in a file
// as it grows, the directory going away, and cancellation.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "bench/lib/file_waiter.hpp"
#include "io/event_loop.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::bench {
namespace {

class FileWaiterTest : public ::testing::Test {
 protected:
  FileWaiterTest() : waiter_(loop_) {
    loop_.start_thread();
    dir_ = scratch_.path() + "/vm";
    ::mkdir(dir_.c_str(), 0700);
    EXPECT_TRUE(waiter_.start().ok());
  }

  // Starts a wait on the loop thread; the result lands in result_.
  void wait_for(const std::string& name, const std::string& marker) {
    run_on_loop([&] {
      int key = -1;
      Status s = waiter_.wait(
          dir_, name, marker,
          [this](const Status& r) {
            std::lock_guard<std::mutex> lock(mu_);
            result_ = r;
            cv_.notify_all();
          },
          &key);
      ASSERT_TRUE(s.ok()) << s.ToString();
      key_ = key;
    });
  }

  // The wait's result, or nullopt if none came within timeout.
  std::optional<Status> result(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return result_.has_value(); });
    return result_;
  }

  void run_on_loop(std::function<void()> fn) {
    std::mutex m;
    std::condition_variable done_cv;
    bool done = false;
    loop_.post([&] {
      fn();
      std::lock_guard<std::mutex> lock(m);
      done = true;
      done_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(m);
    done_cv.wait(lock, [&] { return done; });
  }

  void append(const std::string& name, const std::string& text) {
    int fd = ::open((dir_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }

  shimtest::TempTree scratch_;
  std::string dir_;
  io::EventLoop loop_;
  FileWaiter waiter_;
  int key_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Status> result_;
};

const auto kLong = std::chrono::seconds(30);
const auto kShort = std::chrono::milliseconds(200);

TEST_F(FileWaiterTest, AFileThatAppearsLaterCompletesTheWait) {
  wait_for("guest-ready", "");
  EXPECT_FALSE(result(kShort).has_value());
  append("other", "x");
  EXPECT_FALSE(result(kShort).has_value());
  append("guest-ready", "");
  auto r = result(kLong);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok());
}

TEST_F(FileWaiterTest, AFileThatExistsAlreadyCompletesTheWait) {
  append("guest-ready", "");
  wait_for("guest-ready", "");
  auto r = result(kLong);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok());
}

TEST_F(FileWaiterTest, AMarkerSplitAcrossWritesIsFound) {
  append("console.log", "booting...\r\nEMBER-GUEST-");
  wait_for("console.log", "EMBER-GUEST-READY");
  EXPECT_FALSE(result(kShort).has_value());
  append("console.log", "READY uptime=1.2\r\n");
  auto r = result(kLong);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok());
}

TEST_F(FileWaiterTest, TextWithoutTheMarkerDoesNotCompleteTheWait) {
  wait_for("console.log", "EMBER-GUEST-READY");
  append("console.log", "EMBER-GUEST-WARN no disk\n");
  EXPECT_FALSE(result(kShort).has_value());
}

TEST_F(FileWaiterTest, TheDirectoryGoingAwayFailsTheWait) {
  wait_for("guest-ready", "");
  ASSERT_EQ(::rmdir(dir_.c_str()), 0);
  auto r = result(kLong);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code(), Code::unavailable);
}

TEST_F(FileWaiterTest, ACancelledWaitNeverCompletes) {
  wait_for("guest-ready", "");
  run_on_loop([&] { waiter_.cancel(key_); });
  append("guest-ready", "");
  EXPECT_FALSE(result(kShort).has_value());
}

TEST_F(FileWaiterTest, AMissingDirectoryIsAnError) {
  run_on_loop([&] {
    int key = -1;
    Status s = waiter_.wait(
        dir_ + "/nope", "x", "", [](const Status&) {}, &key);
    EXPECT_EQ(s.code(), Code::not_found);
    EXPECT_NE(s.message().find("inotify_add_watch " + dir_ + "/nope"), std::string::npos);
  });
}

}  // namespace
}  // namespace ember::bench
