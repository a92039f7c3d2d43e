// A real QEMU VM on a tap inside a network namespace the test creates:
// CreateVM's StaticConfig (tap, MAC, IPConfig as the kernel's ip=) and
// JailerConfig.NetNS (QEMU runs in that namespace, the shim stays in its
// own). The guest answers ping from inside the namespace; no traffic leaves it.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/shim/vmm/qemu/qemu_vm_fixture.hpp"

namespace ember::shimtest {
namespace {

constexpr const char* kTap = "tap0";
constexpr const char* kHostAddr = "10.213.0.1";
constexpr const char* kGuestAddr = "10.213.0.2";
constexpr const char* kGuestMac = "06:00:0a:d5:00:02";

// Runs a shell command, bounded in time; its exit code.
int run(const std::string& command) {
  const int rc = std::system(("timeout 60 " + command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

ino_t inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// A network namespace with a tap whose host side is kHostAddr/24: made by
// the test, always deleted (with its tap) at the end.
class TestNetns {
 public:
  TestNetns() : name_("ember-net-" + std::to_string(::getpid())) {}
  ~TestNetns() {
    run("ip -n " + name_ + " link del " + kTap);
    run("ip netns del " + name_);
  }
  bool create() {
    return run("ip netns add " + name_) == 0 && run(in_ns() + "link set lo up") == 0 &&
           run(in_ns() + "tuntap add dev " + kTap + " mode tap") == 0 &&
           run(in_ns() + "addr add " + kHostAddr + "/24 dev " + kTap) == 0 &&
           run(in_ns() + "link set " + kTap + " up") == 0;
  }
  std::string path() const { return "/var/run/netns/" + name_; }
  std::string exec(const std::string& command) const {
    return "ip netns exec " + name_ + " " + command;
  }

 private:
  std::string in_ns() const { return "ip -n " + name_ + " "; }
  std::string name_;
};

class QemuNetworkTest : public QemuVmTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs root and /dev/net/tun for a namespace with a tap";
    }
    if (run("ip -V") != 0 || run("ping -V") != 0) {
      GTEST_SKIP() << "needs ip and ping (deploy/install-deps.sh: iproute2 iputils-ping)";
    }
    QemuVmTest::SetUp();
  }

  static CreateVMRequest request_on_tap(const std::string& netns) {
    CreateVMRequest req = create_request(false);
    auto* c = req.add_networkinterfaces()->mutable_staticconfig();
    c->set_hostdevname(kTap);
    c->set_macaddress(kGuestMac);
    c->mutable_ipconfig()->set_primaryaddr(std::string(kGuestAddr) + "/24");
    c->mutable_ipconfig()->set_gatewayaddr(kHostAddr);
    c->mutable_ipconfig()->add_nameservers(kHostAddr);
    req.mutable_jailerconfig()->set_netns(netns);
    return req;
  }
};

TEST_F(QemuNetworkTest, GuestOnATapInsideTheNamespaceAnswersPingFromIt) {
  TestNetns ns;
  ASSERT_TRUE(ns.create()) << "cannot make a namespace with a tap";
  ASSERT_TRUE(call("CreateVM", request_on_tap(ns.path())).ok());
  ASSERT_TRUE(guest_ready());

  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  EXPECT_EQ(inode("/proc/" + std::to_string(qemu) + "/ns/net"), inode(ns.path()));
  EXPECT_EQ(inode("/proc/" + std::to_string(shim_.pid()) + "/ns/net"), inode("/proc/self/ns/net"));

  GuestAgent agent;
  ASSERT_TRUE(agent.connect(file("agent.sock")).ok());
  std::string out;
  ASSERT_TRUE(agent
                  .run("cat /sys/class/net/eth0/address; ip -4 addr show dev eth0; "
                       "ip route; cat /etc/resolv.conf",
                       &out)
                  .ok())
      << out;
  EXPECT_NE(out.find(kGuestMac), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("inet ") + kGuestAddr + "/24"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("default via ") + kHostAddr), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("nameserver ") + kHostAddr), std::string::npos) << out;

  EXPECT_EQ(run(ns.exec("ping -c1 -W5 " + std::string(kGuestAddr))), 0);
  // And the other way: the guest reaches the namespace's side of the tap.
  EXPECT_TRUE(agent.run(std::string("ping -c1 -W5 ") + kHostAddr, &out).ok()) << out;

  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(30);
  EXPECT_TRUE(call("StopVM", stop).ok());
  EXPECT_TRUE(nothing_left());
}

// The guest reads, at 169.254.169.254, what SetVMMetadata and then
// UpdateVMMetadata stored: version 1 paths, and the version 2 token flow.
TEST_F(QemuNetworkTest, GuestReadsItsMetadataFromMmds) {
  if (run("socat -V") != 0) GTEST_SKIP() << "needs socat (deploy/install-deps.sh)";
  TestNetns ns;
  ASSERT_TRUE(ns.create()) << "cannot make a namespace with a tap";
  CreateVMRequest req = request_on_tap(ns.path());
  req.mutable_networkinterfaces(0)->set_allowmmds(true);
  ASSERT_TRUE(call("CreateVM", req).ok());
  SetVMMetadataRequest set;
  set.set_vmid("vm1");
  set.set_metadata(R"({"latest":{"meta-data":{"ami-id":"ami-1","host":"h1"}},"n":1})");
  ASSERT_TRUE(call("SetVMMetadata", set).ok());
  ASSERT_TRUE(guest_ready());

  GuestAgent agent;
  ASSERT_TRUE(agent.connect(file("agent.sock")).ok());
  std::string out;
  const std::string url = "http://169.254.169.254";
  ASSERT_TRUE(agent.run("wget -qO- " + url + "/latest/meta-data/ami-id", &out).ok()) << out;
  EXPECT_EQ(out, "ami-1");
  ASSERT_TRUE(agent.run("wget -qO- " + url + "/latest/meta-data/", &out).ok()) << out;
  EXPECT_EQ(out, "ami-id\nhost");

  UpdateVMMetadataRequest update;
  update.set_vmid("vm1");
  update.set_metadata(R"({"latest":{"meta-data":{"host":null,"zone":"z2"}}})");
  ASSERT_TRUE(call("UpdateVMMetadata", update).ok());
  ASSERT_TRUE(
      agent.run("wget -qO- --header 'Accept: application/json' " + url + "/latest", &out).ok())
      << out;
  EXPECT_EQ(out, R"({"meta-data":{"ami-id":"ami-1","zone":"z2"}})");

  // Version 2: a token from PUT /latest/api/token (busybox wget cannot PUT:
  // nc sends the request), then a GET carrying it.
  ASSERT_TRUE(agent
                  .run("printf 'PUT /latest/api/token HTTP/1.1\\r\\nX-metadata-token-ttl-seconds: "
                       "60\\r\\n\\r\\n' | nc 169.254.169.254 80 | tail -n1 >/tmp/token; "
                       "wget -qO- --header \"X-metadata-token: $(cat /tmp/token)\" " +
                           url + "/latest/meta-data/zone",
                       &out)
                  .ok())
      << out;
  EXPECT_EQ(out, "z2");
  ASSERT_TRUE(agent.run("cat /tmp/token", &out).ok());
  EXPECT_EQ(out.size(), 64u) << out;

  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(30);
  EXPECT_TRUE(call("StopVM", stop).ok());
  EXPECT_TRUE(nothing_left());
}

TEST_F(QemuNetworkTest, MissingNamespaceFailsCreateNamingItAndLeavesNothing) {
  const std::string missing = "/var/run/netns/ember-missing-" + std::to_string(::getpid());
  Status s = call("CreateVM", request_on_tap(missing));
  EXPECT_EQ(s.code(), Code::not_found) << s.ToString();
  EXPECT_NE(s.message().find("JailerConfig.NetNS " + missing), std::string::npos) << s.ToString();
  EXPECT_EQ(qemu_pid(), -1);
  EXPECT_TRUE(nothing_left());
}

}  // namespace
}  // namespace ember::shimtest
