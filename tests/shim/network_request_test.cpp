// CreateVM's NetworkInterfaces and JailerConfig.NetNS: checked as
// firecracker-go-sdk checks them; the IPConfig becomes the kernel's ip= as
// the reference writes it.
#include "shim/network_request.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace ember::shim {
namespace {

StaticNetworkConfiguration* tap(CreateVMRequest& req, const std::string& name = "tap0") {
  auto* c = req.add_networkinterfaces()->mutable_staticconfig();
  c->set_hostdevname(name);
  return c;
}

IPConfiguration* ip_config(StaticNetworkConfiguration* c) {
  auto* ip = c->mutable_ipconfig();
  ip->set_primaryaddr("10.0.0.2/24");
  ip->set_gatewayaddr("10.0.0.1");
  return ip;
}

// The refusal's message; "" when accepted.
std::string refusal(const CreateVMRequest& req, VmSpec* spec) {
  Status s = network_from_request(req, spec);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), Code::invalid_argument) << s.ToString();
  return s.message();
}

TEST(NetworkRequestTest, IpBootParamIsTheReferencesForm) {
  // firecracker-go-sdk cni/vmconf TestIPBootParams, with the device the
  // reference's StaticConfig path leaves empty.
  IPConfiguration ip;
  ip.set_primaryaddr("10.0.0.2/24");
  ip.set_gatewayaddr("10.0.0.1");
  ip.add_nameservers("1.1.1.1");
  ip.add_nameservers("8.8.8.8");
  std::string param;
  ASSERT_TRUE(ip_boot_param(ip, &param).ok());
  EXPECT_EQ(param, "10.0.0.2::10.0.0.1:255.255.255.0:::off:1.1.1.1:8.8.8.8:");
  ip.clear_nameservers();
  ip.set_primaryaddr("172.16.5.9/12");
  ASSERT_TRUE(ip_boot_param(ip, &param).ok());
  EXPECT_EQ(param, "172.16.5.9::10.0.0.1:255.240.0.0:::off:::");
}

TEST(NetworkRequestTest, StaticInterfacesAndNetnsFillTheSpec) {
  CreateVMRequest req;
  auto* c = tap(req);
  c->set_macaddress("06:00:0A:00:00:02");
  ip_config(c)->add_nameservers("10.0.0.1");
  req.mutable_networkinterfaces(0)->set_allowmmds(true);
  req.mutable_networkinterfaces(0)->mutable_inratelimiter()->mutable_bandwidth()->set_capacity(9);
  req.mutable_jailerconfig()->set_netns("/var/run/netns/n1");
  VmSpec spec;
  spec.kernel_args = "console=ttyS0 -- init-arg";
  ASSERT_EQ(refusal(req, &spec), "");
  ASSERT_EQ(spec.network_interfaces.size(), 1u);
  const auto& n = spec.network_interfaces[0];
  EXPECT_EQ(n.host_dev_name, "tap0");
  EXPECT_EQ(n.mac_address, "06:00:0A:00:00:02");
  EXPECT_TRUE(n.allow_mmds);
  ASSERT_TRUE(n.in_rate_limiter && n.in_rate_limiter->bandwidth);
  EXPECT_EQ(n.in_rate_limiter->bandwidth->size, 9);
  EXPECT_FALSE(n.in_rate_limiter->ops);
  EXPECT_FALSE(n.out_rate_limiter);
  EXPECT_EQ(spec.kernel_args,
            "console=ttyS0 ip=10.0.0.2::10.0.0.1:255.255.255.0:::off:10.0.0.1:: -- init-arg");
  EXPECT_EQ(spec.netns, "/var/run/netns/n1");
}

TEST(NetworkRequestTest, InterfacesWithoutIpConfigLeaveTheKernelArgsAlone) {
  CreateVMRequest req;
  tap(req, "tap0");
  tap(req, "tap1");
  VmSpec spec;
  spec.kernel_args = "console=ttyS0";
  ASSERT_EQ(refusal(req, &spec), "");
  EXPECT_EQ(spec.network_interfaces.size(), 2u);
  EXPECT_EQ(spec.kernel_args, "console=ttyS0");
  EXPECT_EQ(spec.netns, "");
}

TEST(NetworkRequestTest, RefusesWhatTheReferenceRefusesByField) {
  struct Case {
    std::function<void(CreateVMRequest&)> set;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.add_networkinterfaces()->set_allowmmds(true); },
       "NetworkInterfaces[0] has neither StaticConfig nor CNIConfig"},
      {[](auto& r) { tap(r)->set_hostdevname(""); },
       "NetworkInterfaces[0].StaticConfig."
       "HostDevName is empty"},
      {[](auto& r) { tap(r, "a-name-longer-than-15"); },
       "NetworkInterfaces[0].StaticConfig.HostDevName \"a-name-longer-than-15\" is not a network "
       "interface name (1-15 characters, no '/', ':', ',' or spaces)"},
      {[](auto& r) { tap(r)->set_macaddress("06:00:0a:00:00"); },
       "NetworkInterfaces[0].StaticConfig.MacAddress \"06:00:0a:00:00\" is not of the form "
       "xx:xx:xx:xx:xx:xx"},
      {[](auto& r) { ip_config(tap(r))->set_primaryaddr("10.0.0.2"); },
       "NetworkInterfaces[0].StaticConfig.IPConfig.PrimaryAddr \"10.0.0.2\" is not an IPv4 "
       "address in CIDR form (10.0.0.2/24)"},
      {[](auto& r) { ip_config(tap(r))->set_gatewayaddr(""); },
       "NetworkInterfaces[0].StaticConfig.IPConfig.GatewayAddr \"\" is not an IPv4 address"},
      {[](auto& r) {
         auto* ip = ip_config(tap(r));
         for (auto* a : {"1.1.1.1", "8.8.8.8", "9.9.9.9"})
           ip->add_nameservers(a);
       },
       "NetworkInterfaces[0].StaticConfig.IPConfig.Nameservers has 3 entries; at most 2 fit the "
       "kernel's ip= argument"},
      {[](auto& r) {
         ip_config(tap(r, "tap0"));
         tap(r, "tap1");
       },
       "NetworkInterfaces[0].StaticConfig.IPConfig needs a single network interface (the "
       "kernel's ip= configures one)"},
      {[](auto& r) {
         auto* n = r.add_networkinterfaces();
         n->mutable_staticconfig()->set_hostdevname("tap0");
         n->mutable_cniconfig()->set_networkname("net");
       },
       "NetworkInterfaces[0] has both StaticConfig and CNIConfig"},
      {[](auto& r) { r.mutable_jailerconfig()->set_netns("netns/x"); },
       "JailerConfig.NetNS \"netns/x\" is not an absolute path"},
  };
  for (const auto& c : cases) {
    CreateVMRequest req;
    c.set(req);
    VmSpec spec;
    EXPECT_EQ(refusal(req, &spec), c.message);
  }
}

TEST(NetworkRequestTest, RefusesAnIpConfigBesideAnIpKernelArgument) {
  CreateVMRequest req;
  ip_config(tap(req));
  VmSpec spec;
  spec.kernel_args = "console=ttyS0 ip=dhcp";
  EXPECT_EQ(refusal(req, &spec),
            "NetworkInterfaces[0].StaticConfig.IPConfig cannot be combined with an ip= kernel "
            "argument");
  spec.kernel_args = "console=ttyS0 -- ip=for-init";  // init's argument, not the kernel's
  EXPECT_EQ(refusal(req, &spec), "");
}

}  // namespace
}  // namespace ember::shim
