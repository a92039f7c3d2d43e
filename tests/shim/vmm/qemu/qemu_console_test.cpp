// QemuConsole fed through a socketpair as QEMU would: the log on disk, its
// size bound, and the ready marker.
#include "shim/vmm/qemu/qemu_console.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "tests/shim/vmm/qemu/qemu_test_loop.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

using shim::qemu::QemuConsole;

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class QemuConsoleTest : public ::testing::Test {
 protected:
  Status open(size_t cap) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    qemu_end_.reset(sv[0]);
    UniqueFd ours(sv[1]);
    Status s;
    loop_.on_loop([&] {
      s = QemuConsole::open(
          loop_.loop(), tree_.path(), std::move(ours), cap,
          [this](const std::string& line) { ready_lines_.push_back(line); }, &console_);
    });
    return s;
  }
  void TearDown() override {
    loop_.on_loop([&] { console_.reset(); });
  }
  // Writes as QEMU would, then lets the console read all of it.
  void guest_prints(const std::string& text) {
    ASSERT_EQ(::write(qemu_end_.get(), text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    loop_.on_loop([&] { console_->drain(); });
  }
  std::vector<std::string> ready_lines() {
    std::vector<std::string> out;
    loop_.on_loop([&] { out = ready_lines_; });
    return out;
  }
  std::string log() { return read_file(tree_.path() + "/console.log").value_or(""); }
  std::string old_log() { return read_file(tree_.path() + "/console.log.1").value_or(""); }

  TempTree tree_;
  TestLoop loop_;
  UniqueFd qemu_end_;
  std::unique_ptr<QemuConsole> console_;
  std::vector<std::string> ready_lines_;  // loop thread
};

TEST_F(QemuConsoleTest, EverythingTheGuestPrintsIsLogged) {
  ASSERT_TRUE(open(0).ok());
  struct stat st;
  ASSERT_EQ(::stat((tree_.path() + "/console.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  guest_prints("[    0.1] Linux version 6.1\r\n");
  guest_prints("partial line without end");
  EXPECT_EQ(log(), "[    0.1] Linux version 6.1\r\npartial line without end");
  EXPECT_TRUE(ready_lines().empty());
}

TEST_F(QemuConsoleTest, ReadyMarkerIsReportedOnceEvenWhenSplitAcrossReads) {
  ASSERT_TRUE(open(0).ok());
  guest_prints("[    0.9] virtio_blk\r\n[    1.0] random: EMBER-GUEST-");
  EXPECT_TRUE(ready_lines().empty());
  guest_prints("READY uptime=1.27 mods=17 virtio=4\r\n");
  guest_prints("EMBER-GUEST-READY again\r\n");
  EXPECT_EQ(ready_lines(),
            std::vector<std::string>{"EMBER-GUEST-READY uptime=1.27 mods=17 virtio=4"});
}

TEST_F(QemuConsoleTest, LogRotatesAtTheCapSoItNeverExceedsTwiceTheCap) {
  ASSERT_TRUE(open(100).ok());
  const std::string a(100, 'a'), b(100, 'b'), c(50, 'c');
  guest_prints(a);
  EXPECT_EQ(log(), a);
  EXPECT_FALSE(exists(tree_.path() + "/console.log.1"));
  guest_prints(b + c);
  EXPECT_EQ(old_log(), b);
  EXPECT_EQ(log(), c);
}

TEST_F(QemuConsoleTest, RemoveFilesDeletesBothLogs) {
  ASSERT_TRUE(open(10).ok());
  guest_prints(std::string(15, 'x'));
  ASSERT_TRUE(exists(tree_.path() + "/console.log.1"));
  loop_.on_loop([&] { console_->remove_files(); });
  EXPECT_FALSE(exists(tree_.path() + "/console.log"));
  EXPECT_FALSE(exists(tree_.path() + "/console.log.1"));
}

TEST_F(QemuConsoleTest, MissingDirectoryIsNotFound) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ::close(sv[0]);
  const std::string dir = tree_.path() + "/gone";
  Status s;
  loop_.on_loop(
      [&] { s = QemuConsole::open(loop_.loop(), dir, UniqueFd(sv[1]), 0, nullptr, &console_); });
  EXPECT_EQ(s, Status::NotFound("create " + dir + "/console.log: No such file or directory"));
  EXPECT_EQ(console_, nullptr);
}

}  // namespace
}  // namespace ember::shimtest
