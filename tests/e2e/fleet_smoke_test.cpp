// The fleet on loopback (docs/fleet.md), small: one front and two members,
// real emberd processes on the hollow backend linked with TLS on 127.0.0.1,
// certificates from deploy/fleet-certs.sh. VMs are created, read and stopped
// through the front; `emberctl fleet members` and `vm ls` show the members;
// a member with a certificate from another CA is refused. (The network
// namespace tests with three members are in the fleet e2e suite.)
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/e2e/inventory_client.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

// A TCP port of 127.0.0.1 free right now (the kernel's choice for port 0).
uint16_t free_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return 0;
  return ntohs(a.sin_port);
}

// Waits (inotify on the file, bounded) until the log at path holds needle.
bool wait_log(const std::string& path, const std::string& needle, std::chrono::seconds timeout) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC));
  ::inotify_add_watch(in.get(), path.c_str(), IN_MODIFY);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text;
    if (read_file(path, &text).ok() && text.find(needle) != std::string::npos) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{in.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char buf[4096];
      (void)!::read(in.get(), buf, sizeof buf);
    }
  }
}

class FleetSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* dir : {"fleet", "other"}) {
      const std::string cmd =
          std::string(EMBER_FLEET_CERTS) + " " + certs_ / dir + " front m1 m2 >/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
  }

  // Its CA, certificate and key all from ca_dir (a member of another fleet
  // is consistent in itself: emberd checks its own files at start).
  std::string tls(const std::string& ca_dir, const std::string& name) {
    const std::string dir = certs_ / ca_dir;
    return "  tls: {ca: " + dir + "/ca.pem, cert: " + dir + "/" + name + ".pem, key: " + dir + "/" +
           name + ".key}\n";
  }

  // Member name, published on a free port of 127.0.0.1; its certificate
  // from ca_dir's CA.
  void start_member(const std::string& name, const std::string& ca_dir = "fleet") {
    const std::string address = "127.0.0.1:" + std::to_string(free_port());
    EmberdOptions o;
    o.extra_yaml = "fleet:\n  role: member\n  name: " + name + "\n  listen: " + address + "\n" +
                   tls(ca_dir, name) + "  report_interval_ms: 200\n";
    members_[name] = std::make_unique<Emberd>(o);
    addresses_[name] = address;
  }

  void start_front() {
    EmberdOptions o;
    o.extra_yaml = "fleet:\n  role: front\n  members:\n";
    for (const auto& [name, address] : addresses_)
      o.extra_yaml += "    - {name: " + name + ", address: " + address + "}\n";
    o.extra_yaml +=
        tls("fleet", "front") + "  report_interval_ms: 200\n  member_timeout_ms: 2000\n";
    front_ = std::make_unique<Emberd>(o);
  }

  std::string front_log() const { return front_->root() + "/emberd.log"; }
  bool member_is(const std::string& name, const std::string& state) {
    return wait_log(front_log(), "member " + name + " (" + addresses_[name] + ") is " + state, 20s);
  }
  ctltest::CtlResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--address", front_->socket()});
    return ctltest::run_emberctl(certs_.path(), args);
  }

  testsupport::TempTree certs_;
  std::map<std::string, std::unique_ptr<Emberd>> members_;
  std::map<std::string, std::string> addresses_;
  std::unique_ptr<Emberd> front_;
};

TEST_F(FleetSmokeTest, CallsGoThroughTheFrontToTheMembers) {
  start_member("m1");
  start_member("m2");
  start_front();
  ASSERT_TRUE(member_is("m1", "up")) << read_file(front_log()).value_or("");
  ASSERT_TRUE(member_is("m2", "up")) << read_file(front_log()).value_or("");

  FcClient client(front_->socket());
  for (const char* id : {"v1", "v2", "v3", "v4"}) {
    auto out = client.call(Method::create_vm, small_vm_request(id));
    ASSERT_TRUE(out.status.ok()) << id << ": " << out.status.ToString();
  }
  auto dup = client.call(Method::create_vm, small_vm_request("v3"));
  EXPECT_EQ(dup.status.code(), Code::already_exists) << dup.status.ToString();

  // fewest-vms: a burst spreads evenly; each VM's directory is its member's.
  v1::ListVMsResponse list;
  ASSERT_TRUE(list_vms(client, "default", false, &list).ok());
  ASSERT_EQ(list.vms_size(), 4);
  std::map<std::string, int> per_member;
  for (const auto& vm : list.vms()) {
    ++per_member[vm.member()];
    EXPECT_FALSE(vm.conflict());
    auto info = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(vm.vmid()));
    ASSERT_TRUE(info.status.ok()) << info.status.ToString();
    GetVMInfoResponse r;
    ASSERT_TRUE(r.ParseFromString(info.payload));
    EXPECT_EQ(r.socketpath().rfind(members_[vm.member()]->vm_dir("default", vm.vmid()), 0), 0u)
        << r.socketpath();
  }
  EXPECT_EQ(per_member["m1"], 2);
  EXPECT_EQ(per_member["m2"], 2);

  auto stop = client.call(Method::stop_vm, with_id<StopVMRequest>("v1"));
  ASSERT_TRUE(stop.status.ok()) << stop.status.ToString();
  auto gone = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("v1"));
  EXPECT_EQ(gone.status.code(), Code::not_found) << gone.status.ToString();

  ctltest::CtlResult members = ctl({"--json", "fleet", "members"});
  ASSERT_EQ(members.exit_code, 0) << members.err;
  EXPECT_NE(
      members.out.find("\"Name\":\"m1\",\"Address\":\"" + addresses_["m1"] + "\",\"State\":\"up\""),
      std::string::npos)
      << members.out;
  EXPECT_NE(members.out.find("\"Name\":\"m2\""), std::string::npos) << members.out;
  ctltest::CtlResult ls = ctl({"--namespace", "default", "vm", "list"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("MEMBER"), std::string::npos) << ls.out;
  EXPECT_EQ(ls.out.find(" v1 "), std::string::npos) << ls.out;
}

TEST_F(FleetSmokeTest, MemberWithACertificateFromAnotherCaIsRefused) {
  start_member("m1");
  start_member("m2", "other");
  start_front();
  ASSERT_TRUE(member_is("m1", "up")) << read_file(front_log()).value_or("");
  ASSERT_TRUE(member_is("m2", "refused")) << read_file(front_log()).value_or("");
  EXPECT_NE(read_file(front_log()).value_or("").find("not signed by the fleet CA"),
            std::string::npos);
  ctltest::CtlResult members = ctl({"fleet", "members"});
  ASSERT_EQ(members.exit_code, 0) << members.err;
  EXPECT_NE(members.out.find("refused"), std::string::npos) << members.out;
  // The healthy member keeps serving while the other is refused again and again.
  FcClient client(front_->socket());
  auto out = client.call(Method::create_vm, small_vm_request("v1"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
}

TEST_F(FleetSmokeTest, AnEmberdThatIsNoFrontSaysSoToFleetMembers) {
  Emberd single;
  ctltest::CtlResult r =
      ctltest::run_emberctl(certs_.path(), {"--address", single.socket(), "fleet", "members"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("FAILED_PRECONDITION: emberd is not a fleet front (fleet.role: none)"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ember::e2e
