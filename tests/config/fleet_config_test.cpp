// The `fleet:` section: every key read, role none changes nothing, and each
// bad value or missing requirement reported naming its key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.hpp"

namespace ember::config {
namespace {

class FleetConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-fleet-config-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Status load(const std::string& text) {
    file_ = dir_ + "/ember.yaml";
    std::ofstream(file_) << text;
    config_ = defaults_for(0, nullptr);
    return load_file(file_, &config_);
  }

  std::string dir_;
  std::string file_;
  Config config_;
};

constexpr char kTls[] = "  tls: {ca: /f/ca.pem, cert: /f/m.pem, key: /f/m.key}\n";

TEST_F(FleetConfigTest, DefaultIsRoleNoneAndChangesNothing) {
  const Config defaults = defaults_for(0, nullptr);
  EXPECT_EQ(defaults.fleet.role, FleetRole::none);
  EXPECT_EQ(defaults.fleet.report_interval_ms, 1000u);
  EXPECT_EQ(defaults.fleet.member_timeout_ms, 3000u);
  ASSERT_TRUE(load("fleet:\n  role: none\n").ok());
  EXPECT_EQ(canonical_dump(config_), canonical_dump(defaults));
}

TEST_F(FleetConfigTest, MemberKeysAreRead) {
  Status s = load(std::string("fleet:\n  role: member\n  name: m-1\n  listen: 10.77.1.2:7100\n") +
                  kTls + "  report_interval_ms: 500\n  member_timeout_ms: 1500\n");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config_.fleet.role, FleetRole::member);
  EXPECT_EQ(config_.fleet.name, "m-1");
  EXPECT_EQ(config_.fleet.listen, "10.77.1.2:7100");
  EXPECT_EQ(config_.fleet.tls.ca, "/f/ca.pem");
  EXPECT_EQ(config_.fleet.tls.cert, "/f/m.pem");
  EXPECT_EQ(config_.fleet.tls.key, "/f/m.key");
  EXPECT_EQ(config_.fleet.report_interval_ms, 500u);
  EXPECT_EQ(config_.fleet.member_timeout_ms, 1500u);
}

TEST_F(FleetConfigTest, FrontMembersAreReadInOrder) {
  Status s = load(std::string("fleet:\n  role: front\n  members:\n") +
                  "    - {name: m1, address: 10.77.1.2:7100}\n" +
                  "    - {name: m2, address: \"[fd00::2]:7100\"}\n" + kTls);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(config_.fleet.members.size(), 2u);
  EXPECT_EQ(config_.fleet.members[0].name, "m1");
  EXPECT_EQ(config_.fleet.members[1].address, "[fd00::2]:7100");
}

TEST(SplitHostPortTest, AcceptsNamesIpv4AndBracketedIpv6) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(split_host_port("10.77.1.2:7100", &host, &port).ok());
  EXPECT_EQ(host, "10.77.1.2");
  EXPECT_EQ(port, 7100);
  ASSERT_TRUE(split_host_port("[::1]:1", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  ASSERT_TRUE(split_host_port("m1.example:65535", &host, &port).ok());
  for (const char* bad : {"", "host", ":7100", "h:0", "h:65536", "h:7x", "::1:7100", "[]:1"})
    EXPECT_EQ(split_host_port(bad, &host, &port).code(), Code::invalid_argument) << bad;
}

struct BadFleet {
  std::string yaml;
  std::string message;  // after "<file>:"
};

class FleetConfigBadTest : public FleetConfigTest,
                           public ::testing::WithParamInterface<BadFleet> {};

TEST_P(FleetConfigBadTest, NamesTheKey) {
  Config before = defaults_for(0, nullptr);
  Status s = load(GetParam().yaml);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), file_ + ":" + GetParam().message);
  EXPECT_EQ(canonical_dump(config_), canonical_dump(before));  // nothing applied
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FleetConfigBadTest,
    ::testing::Values(
        BadFleet{"fleet:\n  role: leader\n",
                 "2: fleet.role: \"leader\" is not one of none, member, front"},
        BadFleet{std::string("fleet:\n  role: member\n  listen: 10.0.0.1:1\n") + kTls,
                 "2: fleet.name: required when fleet.role is member"},
        BadFleet{std::string("fleet:\n  role: member\n  name: m1\n") + kTls,
                 "2: fleet.listen: required when fleet.role is member"},
        BadFleet{"fleet:\n  role: member\n  name: M1\n",
                 "3: fleet.name: must be 1 to 63 "
                 "characters of a-z, 0-9 and -, got \"M1\""},
        BadFleet{"fleet:\n  role: member\n  name: m1\n  listen: 10.0.0.1:1\n",
                 "2: fleet.tls.ca: required when fleet.role is member"},
        BadFleet{"fleet:\n  role: front\n  tls: {ca: /a, cert: /b}\n  members: [{name: m1, "
                 "address: h:1}]\n",
                 "2: fleet.tls.key: required when fleet.role is front"},
        BadFleet{std::string("fleet:\n  role: front\n") + kTls,
                 "2: fleet.members: required when fleet.role is front (at least one member)"},
        BadFleet{"fleet:\n  members:\n    - {name: m1, address: h:1}\n    - {name: m2, "
                 "address: h}\n",
                 "4: fleet.members[1].address: expected host:port (a name, an IPv4 address or "
                 "[IPv6], PORT 1-65535), got \"h\""},
        BadFleet{"fleet:\n  members:\n    - {name: m1, address: h:1}\n    - {name: m1, "
                 "address: h:2}\n",
                 "4: fleet.members[1].name: \"m1\" is already the name of fleet.members[0]"},
        BadFleet{"fleet:\n  members:\n    - {name: m1, address: h:1}\n    - {name: m2, "
                 "address: h:1}\n",
                 "4: fleet.members[1].address: \"h:1\" is already the address of "
                 "fleet.members[0]"},
        BadFleet{"fleet:\n  members:\n    - {name: m1}\n", "3: fleet.members[0].address: required"},
        BadFleet{"fleet:\n  members:\n    - m1\n",
                 "3: fleet.members[0]: expected a mapping {name, address}, got \"m1\""},
        BadFleet{"fleet:\n  members:\n    - {name: m1, port: 1}\n",
                 "3: fleet.members[0].port: unknown key (known: name, address)"},
        BadFleet{"fleet:\n  tls: {ca: ca.pem}\n",
                 "2: fleet.tls.ca: must be an absolute path, got \"ca.pem\""},
        BadFleet{std::string("fleet:\n  role: member\n  name: m1\n  listen: h:1\n") + kTls +
                     "  report_interval_ms: 4000\n",
                 "2: fleet.member_timeout_ms: must be at least fleet.report_interval_ms (4000), "
                 "got 3000"}));

}  // namespace
}  // namespace ember::config

namespace ember::config {
namespace {

// Every ```yaml block of docs/config.md's fleet section loads as written.
TEST_F(FleetConfigTest, DocumentedExamplesLoad) {
  std::ifstream doc(EMBER_CONFIG_DOC);
  ASSERT_TRUE(doc) << EMBER_CONFIG_DOC;
  std::stringstream all;
  all << doc.rdbuf();
  const std::string text = all.str();
  size_t at = text.find("### `fleet`");
  const size_t section_end = text.find("\n## ", at);
  ASSERT_NE(at, std::string::npos);
  int examples = 0;
  while ((at = text.find("```yaml\n", at)) < section_end) {
    at += 8;
    const size_t end = text.find("```", at);
    Status s = load(text.substr(at, end - at));
    EXPECT_TRUE(s.ok()) << s.ToString();
    ++examples;
    at = end + 3;
  }
  EXPECT_EQ(examples, 2);
}

}  // namespace
}  // namespace ember::config
