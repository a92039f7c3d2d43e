// metrics.listen: the forms accepted, and a precise refusal of the rest.
#include "config/listen_address.hpp"

#include <gtest/gtest.h>

namespace ember::config {
namespace {

using Kind = ListenAddress::Kind;

TEST(ListenAddressTest, EmptyIsOff) {
  ListenAddress a;
  a.kind = Kind::tcp;
  ASSERT_TRUE(parse_listen_address("", &a).ok());
  EXPECT_EQ(a.kind, Kind::off);
}

TEST(ListenAddressTest, AbsolutePathIsAUnixSocket) {
  ListenAddress a;
  ASSERT_TRUE(parse_listen_address("/run/ember/metrics.sock", &a).ok());
  EXPECT_EQ(a.kind, Kind::unix_socket);
  EXPECT_EQ(a.path, "/run/ember/metrics.sock");
}

TEST(ListenAddressTest, LoopbackPortsAreTcp) {
  ListenAddress a;
  ASSERT_TRUE(parse_listen_address("127.0.0.1:9464", &a).ok());
  EXPECT_EQ(a.kind, Kind::tcp);
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9464);
  ASSERT_TRUE(parse_listen_address("[::1]:65535", &a).ok());
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 65535);
}

TEST(ListenAddressTest, AnythingElseIsRefusedNamingTheForms) {
  for (const char* bad :
       {"0.0.0.0:9464", "localhost:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:94x", "[::1]9464", "relative/path.sock", ":9464"}) {
    ListenAddress a;
    Status s = parse_listen_address(bad, &a);
    EXPECT_EQ(s.code(), Code::invalid_argument) << bad;
    EXPECT_NE(s.message().find("127.0.0.1:PORT or [::1]:PORT"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
}

TEST(ListenAddressTest, UnixPathTooLongForASocketAddressIsRefused) {
  ListenAddress a;
  Status s = parse_listen_address("/" + std::string(107, 'x'), &a);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("108 bytes"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace ember::config
