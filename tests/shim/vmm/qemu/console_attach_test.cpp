// ConsoleAttach with a socketpair standing in for QEMU's console: a user
// connected to console.sock sees the guest's output and types into it; a
// second user is turned away.
#include "shim/vmm/qemu/console_attach.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/shim/vmm/qemu/qemu_test_loop.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {
namespace {

using shim::qemu::ConsoleAttach;

// What fd yields within 10 s until it holds `want` bytes or ends.
std::string read_up_to(int fd, size_t want) {
  std::string got;
  while (got.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) break;
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

class ConsoleAttachTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    qemu_end_.reset(sv[0]);
    guest_.reset(sv[1]);
    io::BoundSocket listener;
    ASSERT_TRUE(io::bind_listener(tree_ / "console.sock", &listener).ok());
    loop_.on_loop([&] {
      attach_ = std::make_unique<ConsoleAttach>(loop_.loop(), std::move(listener), guest_.get());
    });
  }
  void TearDown() override {
    loop_.on_loop([&] { attach_.reset(); });
  }
  UniqueFd connect_user() {
    UniqueFd fd;
    EXPECT_TRUE(io::connect_unix(tree_ / "console.sock", &fd).ok());
    return fd;
  }

  TempTree tree_;
  TestLoop loop_;
  UniqueFd qemu_end_, guest_;
  std::unique_ptr<ConsoleAttach> attach_;
};

TEST_F(ConsoleAttachTest, TheUserSeesTheGuestAndTypesIntoIt) {
  UniqueFd user = connect_user();
  ASSERT_EQ(::write(user.get(), "ls\n", 3), 3);
  EXPECT_EQ(read_up_to(qemu_end_.get(), 3), "ls\n") << "typed input reaches the guest";
  // Accepted by now (its input was relayed): output reaches it.
  loop_.on_loop([&] { attach_->output("bin dev\n"); });
  EXPECT_EQ(read_up_to(user.get(), 8), "bin dev\n");
}

TEST_F(ConsoleAttachTest, ASecondUserIsToldAndTheFirstMayLeaveForAnother) {
  UniqueFd first = connect_user();
  ASSERT_EQ(::write(first.get(), "a", 1), 1);
  ASSERT_EQ(read_up_to(qemu_end_.get(), 1), "a");
  UniqueFd second = connect_user();
  EXPECT_EQ(read_up_to(second.get(), 1000), "ember: another user is attached to this console\r\n");
  first.reset();
  // Once the first one's end is seen, a new user is let in; until then each
  // newcomer is turned away (it reads the notice), and tries again.
  for (int i = 0; i < 100; ++i) {
    UniqueFd next = connect_user();
    ASSERT_EQ(::write(next.get(), "b", 1), 1);
    pollfd p[2] = {{qemu_end_.get(), POLLIN, 0}, {next.get(), POLLIN, 0}};
    ASSERT_GE(::poll(p, 2, 10000), 1) << "neither let in nor turned away";
    if (p[0].revents != 0) {
      EXPECT_EQ(read_up_to(qemu_end_.get(), 1), "b");
      return;
    }
  }
  FAIL() << "no new user was let in after the first left";
}

}  // namespace
}  // namespace ember::shimtest
