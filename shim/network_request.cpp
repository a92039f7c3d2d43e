#include "shim/network_request.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <vector>

namespace ember::shim {
namespace {

constexpr size_t kMaxIfName = 15;  // IFNAMSIZ - 1

bool ipv4(const std::string& text, in_addr* out) {
  return ::inet_pton(AF_INET, text.c_str(), out) == 1;
}

std::string dotted(in_addr a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// "a.b.c.d/n" into the address and the netmask.
bool ipv4_cidr(const std::string& text, in_addr* addr, in_addr* mask) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash + 1 == text.size()) return false;
  const std::string bits = text.substr(slash + 1);
  for (char c : bits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  const long n = bits.size() > 2 ? 99 : std::strtol(bits.c_str(), nullptr, 10);
  if (n > 32 || !ipv4(text.substr(0, slash), addr)) return false;
  mask->s_addr = htonl(n == 0 ? 0 : ~uint32_t{0} << (32 - n));
  return true;
}

bool mac_address(const std::string& text) {
  if (text.size() != 17) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool colon = i % 3 == 2;
    if (colon ? text[i] != ':' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool interface_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxIfName || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool has_ip_arg(const std::string& kernel_args) {
  std::istringstream words(kernel_args);
  std::string w;
  while (words >> w && w != "--") {
    if (w == "ip" || w.rfind("ip=", 0) == 0) return true;
  }
  return false;
}

Status check_static(const StaticNetworkConfiguration& c, const std::string& at) {
  if (c.hostdevname().empty()) return Status::InvalidArgument(at + "HostDevName is empty");
  if (!interface_name(c.hostdevname())) {
    return Status::InvalidArgument(at + "HostDevName \"" + c.hostdevname() +
                                   "\" is not a network interface name (1-15 characters, no "
                                   "'/', ':', ',' or spaces)");
  }
  if (!c.macaddress().empty() && !mac_address(c.macaddress())) {
    return Status::InvalidArgument(at + "MacAddress \"" + c.macaddress() +
                                   "\" is not of the form xx:xx:xx:xx:xx:xx");
  }
  return Status::Ok();
}

Status check_interface(const FirecrackerNetworkInterface& n, const std::string& at) {
  if (!n.has_staticconfig() && !n.has_cniconfig()) {
    return Status::InvalidArgument(at + " has neither StaticConfig nor CNIConfig");
  }
  if (n.has_staticconfig() && n.has_cniconfig()) {
    return Status::InvalidArgument(at + " has both StaticConfig and CNIConfig");
  }
  return n.has_staticconfig() ? check_static(n.staticconfig(), at + ".StaticConfig.")
                              : Status::Ok();
}

}  // namespace

std::optional<RateLimiter> rate_limiter_from_request(bool has, const FirecrackerRateLimiter& r) {
  if (!has || (!r.has_bandwidth() && !r.has_ops())) return std::nullopt;
  auto bucket = [](const FirecrackerTokenBucket& b) {
    return TokenBucket{b.capacity(), b.onetimeburst(), b.refilltime()};
  };
  RateLimiter out;
  if (r.has_bandwidth()) out.bandwidth = bucket(r.bandwidth());
  if (r.has_ops()) out.ops = bucket(r.ops());
  return out;
}

std::string with_kernel_arg(const std::string& kernel_args, const std::string& word) {
  std::istringstream words(kernel_args);
  std::string w, out;
  bool added = false;
  while (words >> w) {
    if (w == "--" && !added) {
      out += (out.empty() ? "" : " ") + word;
      added = true;
    }
    out += (out.empty() ? "" : " ") + w;
  }
  if (!added) out += (out.empty() ? "" : " ") + word;
  return out;
}

Status ip_boot_param(const IPConfiguration& ip, std::string* out) {
  in_addr client{}, mask{}, gateway{};
  if (!ipv4_cidr(ip.primaryaddr(), &client, &mask)) {
    return Status::InvalidArgument("PrimaryAddr \"" + ip.primaryaddr() +
                                   "\" is not an IPv4 address in CIDR form (10.0.0.2/24)");
  }
  if (!ipv4(ip.gatewayaddr(), &gateway)) {
    return Status::InvalidArgument("GatewayAddr \"" + ip.gatewayaddr() +
                                   "\" is not an IPv4 address");
  }
  if (ip.nameservers_size() > 2) {
    return Status::InvalidArgument("Nameservers has " + std::to_string(ip.nameservers_size()) +
                                   " entries; at most 2 fit the kernel's ip= argument");
  }
  std::string dns[2];
  for (int i = 0; i < ip.nameservers_size(); ++i) {
    in_addr a{};
    if (!ipv4(ip.nameservers(i), &a)) {
      return Status::InvalidArgument("Nameservers[" + std::to_string(i) + "] \"" +
                                     ip.nameservers(i) + "\" is not an IPv4 address");
    }
    dns[i] = dotted(a);
  }
  // client:server:gateway:netmask:hostname:device:autoconf:dns0:dns1:ntp
  *out = dotted(client) + "::" + dotted(gateway) + ":" + dotted(mask) + ":::off:" + dns[0] + ":" +
         dns[1] + ":";
  return Status::Ok();
}

Status network_from_request(const CreateVMRequest& req, VmSpec* spec) {
  std::optional<std::string> ip_param;
  for (int i = 0; i < req.networkinterfaces_size(); ++i) {
    const auto& n = req.networkinterfaces(i);
    const std::string at = "NetworkInterfaces[" + std::to_string(i) + "]";
    Status s = check_interface(n, at);
    if (!s.ok()) return s;
    if (!n.has_staticconfig()) continue;
    const auto& c = n.staticconfig();
    if (c.has_ipconfig()) {
      if (req.networkinterfaces_size() > 1) {
        return Status::InvalidArgument(at +
                                       ".StaticConfig.IPConfig needs a single network "
                                       "interface (the kernel's ip= configures one)");
      }
      if (has_ip_arg(spec->kernel_args)) {
        return Status::InvalidArgument(at +
                                       ".StaticConfig.IPConfig cannot be combined with an "
                                       "ip= kernel argument");
      }
      std::string param;
      s = ip_boot_param(c.ipconfig(), &param);
      if (!s.ok()) return Status::InvalidArgument(at + ".StaticConfig.IPConfig." + s.message());
      ip_param = param;
    }
    spec->network_interfaces.push_back(NetworkInterfaceSpec{
        c.hostdevname(), c.macaddress(), n.allowmmds(),
        rate_limiter_from_request(n.has_inratelimiter(), n.inratelimiter()),
        rate_limiter_from_request(n.has_outratelimiter(), n.outratelimiter())});
  }
  if (ip_param) spec->kernel_args = with_kernel_arg(spec->kernel_args, "ip=" + *ip_param);
  if (req.has_jailerconfig() && !req.jailerconfig().netns().empty()) {
    const std::string& netns = req.jailerconfig().netns();
    if (netns[0] != '/') {
      return Status::InvalidArgument("JailerConfig.NetNS \"" + netns +
                                     "\" is not an absolute path");
    }
    spec->netns = netns;
  }
  return Status::Ok();
}

}  // namespace ember::shim
