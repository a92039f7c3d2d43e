// emberctl failures: server statuses, unreachable sockets, deadlines, bad
// replies, usage errors and config problems, each with its output and exit code.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "config/config.hpp"
#include "emberctl_fixture.hpp"
#include "fccontrol.pb.h"
#include "io/unix_socket.hpp"

namespace ember::ctltest {
namespace {

using EmberctlErrorsTest = EmberctlTest;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST_F(EmberctlErrorsTest, ServerErrorPrintsCodeNameAndMessageAndExitsOne) {
  server().fail("GetVMInfo", Status::NotFound("VM vm9 not found"));
  CtlResult r = ctl({"vm", "info", "vm9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: NOT_FOUND: VM vm9 not found\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlErrorsTest, ServerErrorWithJsonIsAJsonObjectOnStderr) {
  server().fail("CreateVM", Status::AlreadyExists("VM vm1 already exists"));
  CtlResult r = ctl({"--json", "vm", "create", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, R"({"code":"ALREADY_EXISTS","message":"VM vm1 already exists"})"
                   "\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlErrorsTest, UnavailableFromTheServerExitsThree) {
  server().fail("PauseVM", Status::Unavailable("shim of vm1 is gone"));
  CtlResult r = ctl({"vm", "pause", "vm1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "error: UNAVAILABLE: shim of vm1 is gone\n");
}

TEST_F(EmberctlErrorsTest, MissingSocketGivesUnavailableAndExitsThree) {
  const std::string missing = dir() + "/missing.sock";
  CtlResult r = ctl_raw({"--address", missing, "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "error: UNAVAILABLE: cannot connect to " + missing +
                       ": No such file or directory; is emberd running? (socket " + missing +
                       ")\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlErrorsTest, MissingSocketWithJsonIsAJsonObjectOnStderr) {
  const std::string missing = dir() + "/missing.sock";
  CtlResult r = ctl_raw({"--json", "--address", missing, "vm", "stop", "vm1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, R"({"code":"UNAVAILABLE","message":"cannot connect to )" + missing +
                       ": No such file or directory; is emberd running? (socket " + missing +
                       ")\"}\n");
}

TEST_F(EmberctlErrorsTest, AFileThatIsNotListeningRefusesTheConnection) {
  const std::string plain = dir() + "/plain";
  ASSERT_TRUE(write_file(plain, ""));
  CtlResult r = ctl_raw({"--address", plain, "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "error: UNAVAILABLE: cannot connect to " + plain +
                       ": Connection refused; is emberd running? (socket " + plain + ")\n");
}

TEST_F(EmberctlErrorsTest, ASocketPathTooLongForUnixSocketsIsInvalidArgument) {
  const std::string long_path = dir() + "/" + std::string(120, 'x');
  CtlResult r = ctl_raw({"--address", long_path, "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: socket path is " + std::to_string(long_path.size()) +
                       " bytes, more than the 107 a unix socket allows: " + long_path + "\n");
}

TEST_F(EmberctlErrorsTest, AnUnansweredCallEndsWithDeadlineExceededAndExitsFour) {
  server().hold("GetVMInfo");
  CtlResult r = ctl({"--timeout", "1", "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(StartsWith(r.err, "error: DEADLINE_EXCEEDED: ")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(only_call("GetVMInfo").timeout_nano, 1'000'000'000);
}

TEST_F(EmberctlErrorsTest, AConnectionClosedBeforeTheReplyGivesUnavailableAndExitsThree) {
  // A peer that takes the request and hangs up without answering.
  io::BoundSocket listener;
  const std::string path = dir() + "/hangup.sock";
  Status st = io::bind_listener(path, &listener);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::thread peer([fd = listener.fd()] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 60'000) != 1) return;  // emberctl never came: the test fails below
    UniqueFd conn(::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC));
    char buf[256];
    if (conn) (void)::read(conn.get(), buf, sizeof(buf));  // the request frame
  });
  CtlResult r = ctl_raw({"--address", path, "vm", "info", "vm1"});
  peer.join();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(StartsWith(r.err, "error: UNAVAILABLE: ")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlErrorsTest, AReplyThatDoesNotDecodeIsInternal) {
  server().reply_raw("GetVMInfo", "\xff\xff\xff");
  CtlResult r = ctl({"vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: INTERNAL: malformed GetVMInfo reply from " + socket_path() + "\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlErrorsTest, UsageErrorsExitTwoAndSendNothing) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"vm"},
      {"vm", "frobnicate", "vm1"},
      {"vm", "create"},
      {"vm", "create", "vm1", "--vcpus", "two"},
      {"vm", "create", "vm1", "--vcpus", "-1"},
      {"vm", "create", "vm1", "--balloon-deflate-on-oom"},
      {"vm", "create", "vm1", "--balloon-stats-interval", "5"},
      {"vm", "create", "vm1", "--root-drive-rw"},
      {"vm", "info", "vm1", "--bogus"},
      {"vm", "info", "vm1", "extra"},
      {"vm", "stop", "vm1", "--timeout", "soon"},
      {"vm", "metadata", "set", "vm1"},
      {"vm", "metadata"},
      {"vm", "balloon", "set", "vm1"},
      {"vm", "balloon", "set", "vm1", "lots"},
      {"vm", "balloon", "stats-interval", "vm1"},
      {"--timeout", "0", "vm", "info", "vm1"},
      {"--timeout", "abc", "vm", "info", "vm1"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    SCOPED_TRACE(joined);
    CtlResult r = ctl(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(StartsWith(r.err, "error: INVALID_ARGUMENT: ")) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlErrorsTest, ATimeoutOutOfRangeIsAUsageErrorSayingWhy) {
  CtlResult r = ctl({"--timeout", "0", "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: --timeout: must be between 0.001 and 31536000 seconds, "
            "got 0\nRun with --help for more information.\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlErrorsTest, AnEmptyAddressIsAUsageError) {
  CtlResult r = ctl_raw({"--address", "", "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(StartsWith(r.err, "error: INVALID_ARGUMENT: ")) << r.err;
}

TEST_F(EmberctlErrorsTest, HelpExitsZeroAndListsTheCommands) {
  CtlResult r = ctl_raw({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("vm"), std::string::npos) << r.out;
  CtlResult vm = ctl_raw({"vm", "--help"});
  EXPECT_EQ(vm.exit_code, 0);
  for (const char* sub : {"create", "stop", "pause", "resume", "info", "metadata", "balloon"}) {
    EXPECT_NE(vm.out.find(sub), std::string::npos) << sub;
  }
}

TEST_F(EmberctlErrorsTest, VersionPrintsTheProgramName) {
  CtlResult r = ctl_raw({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(StartsWith(r.out, "emberctl ")) << r.out;
}

TEST_F(EmberctlErrorsTest, WithoutAddressTheSocketComesFromEmberConfig) {
  const std::string cfg = dir() + "/ember.yaml";
  ASSERT_TRUE(write_file(cfg, "socket: " + socket_path() + "\n"));
  CtlResult r = ctl_raw({"vm", "info", "vm1"}, {{"EMBER_CONFIG", cfg}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<GetVMInfoRequest>("GetVMInfo").vmid(), "vm1");
}

TEST_F(EmberctlErrorsTest, ConfigFlagWinsOverEmberConfig) {
  const std::string cfg = dir() + "/ember.yaml";
  ASSERT_TRUE(write_file(cfg, "socket: " + socket_path() + "\n"));
  CtlResult r =
      ctl_raw({"--config", cfg, "vm", "info", "vm1"}, {{"EMBER_CONFIG", dir() + "/missing.yaml"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server().calls().size(), 1u);
}

TEST_F(EmberctlErrorsTest, AddressWinsOverConfigWhichIsThenNotRead) {
  CtlResult r = ctl({"--config", dir() + "/missing.yaml", "vm", "info", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server().calls().size(), 1u);
}

TEST_F(EmberctlErrorsTest, AMissingConfigFileFailsBeforeConnecting) {
  const std::string missing = dir() + "/missing.yaml";
  CtlResult r = ctl_raw({"--config", missing, "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(StartsWith(r.err, "error: NOT_FOUND: ")) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlErrorsTest, AnInvalidConfigFileFailsBeforeConnecting) {
  const std::string cfg = dir() + "/bad.yaml";
  ASSERT_TRUE(write_file(cfg, "socket: relative.sock\n"));
  CtlResult r = ctl_raw({"--config", cfg, "vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(StartsWith(r.err, "error: INVALID_ARGUMENT: " + cfg)) << r.err;
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlErrorsTest, WithoutAddressOrConfigTheDefaultSocketIsUsed) {
  const std::string expected = config::defaults_for(::getuid(), nullptr).socket;
  struct stat st {};
  if (::stat(expected.c_str(), &st) == 0) GTEST_SKIP() << "an emberd may be serving " << expected;
  CtlResult r = ctl_raw({"vm", "info", "vm1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "error: UNAVAILABLE: cannot connect to " + expected +
                       ": No such file or directory; is emberd running? (socket " + expected +
                       ")\n");
}

}  // namespace
}  // namespace ember::ctltest
