// The network-namespace harness of the fleet's tests: the star's links carry
// TCP between the center and each leaf only, a cut link carries nothing until
// healed, an emberd starts inside a namespace, and nothing is left behind.
#include "tests/support/netns.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using namespace std::chrono_literals;

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!netns_supported(&why)) GTEST_SKIP() << "network namespaces unavailable: " << why;
  }
};

// A listening socket on host:port inside ns.
UniqueFd listen_in(const NetNs& ns, const std::string& host, uint16_t port) {
  UniqueFd s = ns.socket(AF_INET, SOCK_STREAM);
  int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  EXPECT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << strerror(errno);
  EXPECT_EQ(::listen(s.get(), 8), 0);
  return s;
}

bool namespace_listed(const std::string& name) {
  return run_command({"ip", "netns", "list"}).output.find(name) != std::string::npos;
}

TEST_F(NetnsTest, TheCenterReachesEachLeafAndACutLinkCarriesNothingUntilHealed) {
  std::string center_name, leaf_name;
  {
    StarNet net(2);
    center_name = net.center().name();
    leaf_name = net.leaf(1).name();
    UniqueFd server = listen_in(net.leaf(1), StarNet::leaf_address(1), 7100);
    std::string error;
    EXPECT_TRUE(tcp_connects(net.center(), StarNet::leaf_address(1), 7100, 5s, &error)) << error;
    // Leaves reach only the center: no route from leaf 2 to leaf 1.
    EXPECT_FALSE(tcp_connects(net.leaf(2), StarNet::leaf_address(1), 7100, 5s, &error));
    EXPECT_NE(error.find("unreachable"), std::string::npos) << error;
    // Nor does the test's own namespace see the star's addresses.
    EXPECT_EQ(run_command({"ip", "route", "get", StarNet::leaf_address(1)}).output.find("veth"),
              std::string::npos);

    ASSERT_TRUE(net.carrier(1));
    net.cut(1);
    EXPECT_FALSE(net.carrier(1));  // the kernel's own view of the cut, at once
    EXPECT_TRUE(net.carrier(2));
    EXPECT_FALSE(tcp_connects(net.center(), StarNet::leaf_address(1), 7100, 1s, &error));
    EXPECT_TRUE(tcp_connects(net.center(), StarNet::leaf_address(2), 9, 5s, &error) ||
                error.find("refused") != std::string::npos)
        << "leaf 2 must still answer (a refusal is an answer): " << error;

    net.heal(1);
    EXPECT_TRUE(net.carrier(1));
    EXPECT_TRUE(tcp_connects(net.center(), StarNet::leaf_address(1), 7100, 5s, &error)) << error;
    EXPECT_TRUE(namespace_listed(center_name));
  }
  EXPECT_FALSE(namespace_listed(center_name));
  EXPECT_FALSE(namespace_listed(leaf_name));
}

TEST_F(NetnsTest, EmberdStartsInsideANamespace) {
  StarNet net(1);
  EmberdOptions opts;
  opts.launcher = net.leaf(1).exec_prefix();
  Emberd emberd(opts);
  struct stat ns {};
  ASSERT_EQ(::stat(("/run/netns/" + net.leaf(1).name()).c_str(), &ns), 0);
  char link[64] = {};
  ASSERT_GT(::readlink(("/proc/" + std::to_string(emberd.pid()) + "/ns/net").c_str(), link,
                       sizeof link - 1),
            0);
  EXPECT_EQ(std::string(link), "net:[" + std::to_string(ns.st_ino) + "]");
  // Its socket is a file: the test reaches it from its own namespace.
  FcClient client(emberd.socket());
  EXPECT_EQ(emberd.stop(SIGTERM), 0) << emberd.log();
}

}  // namespace
}  // namespace ember::e2e
