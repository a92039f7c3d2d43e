// emberd under systemd's Type=notify: it sends READY=1 to $NOTIFY_SOCKET once
// it serves and STOPPING=1 when a SIGTERM starts its shutdown. The test owns
// the datagram socket systemd would.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "base/unique_fd.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using namespace std::chrono_literals;

UniqueFd bind_datagram_socket(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
  return fd;
}

// The next datagram, or "" when none came within the timeout.
std::string next_datagram(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(ServiceNotifyTest, ReadyWhenServingAndStoppingOnSigterm) {
  TempDir dir;
  const std::string notify_path = dir / "notify";
  UniqueFd notify = bind_datagram_socket(notify_path);
  ASSERT_TRUE(notify) << std::strerror(errno);
  EmberdOptions opts;
  opts.env = {"NOTIFY_SOCKET=" + notify_path};
  Emberd emberd(opts);

  const std::string ready = next_datagram(notify.get(), 30s);
  EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
  // Ready means served: a call right after it is answered.
  FcClient client(emberd.socket());
  EXPECT_EQ(client.call(msg::Method::get_vm_info, "", "default").status.code(),
            Code::invalid_argument);

  EXPECT_EQ(emberd.stop(SIGTERM), 0);
  const std::string stopping = next_datagram(notify.get(), 30s);
  EXPECT_NE(stopping.find("STOPPING=1"), std::string::npos) << stopping;
}

TEST(ServiceNotifyTest, WithoutNotifySocketEmberdServesAsUsual) {
  Emberd emberd;  // the harness leaves NOTIFY_SOCKET as the test runner has it
  EXPECT_EQ(emberd.stop(SIGTERM), 0);
  EXPECT_EQ(emberd.log().find("sd_notify"), std::string::npos) << emberd.log();
}

}  // namespace
}  // namespace ember::e2e
