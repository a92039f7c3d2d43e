// The fake's network interfaces and MMDS configuration, as Firecracker's
// API has them (swagger: NetworkInterface, RateLimiter, TokenBucket,
// MmdsConfig): bodies checked as serde checks them, pre-boot only. The fake
// opens no tap: it records what it was given.
#include <cctype>

#include "tests/shim/vmm/firecracker/firecracker_fake_api.hpp"
#include "tests/shim/vmm/firecracker/firecracker_fake_schema.hpp"

namespace ember::fakefc {
namespace {

const char* const kAfterBoot =
    "The requested operation is not supported after starting the microVM.";

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

HttpResponse FakeFirecracker::put_network_interface(const std::string& id,
                                                    const std::string& body) {
  if (id.empty()) return fault("The ID cannot be empty.");
  if (!valid_id(id)) {
    return fault("API Resource IDs can only contain alphanumeric characters and underscores.");
  }
  json j;
  std::string why = check_body(body,
                               {{"iface_id", Type::string, true},
                                {"guest_mac", Type::string},
                                {"host_dev_name", Type::string, true},
                                {"rx_rate_limiter", Type::object},
                                {"tx_rate_limiter", Type::object}},
                               &j);
  for (const char* limiter : {"rx_rate_limiter", "tx_rate_limiter"}) {
    if (why.empty() && j.contains(limiter)) why = check_rate_limiter(j[limiter]);
  }
  if (!why.empty()) return fault(why);
  if (j["iface_id"].get<std::string>() != id) {
    return fault("The id from the path does not match the id from the body!");
  }
  if (started_) return fault(kAfterBoot);
  network_interfaces_[id] = j;
  return {};
}

HttpResponse FakeFirecracker::put_mmds_config(const std::string& body) {
  json j;
  const std::string why = check_body(body,
                                     {{"version", Type::variant, false, {"V1", "V2"}},
                                      {"network_interfaces", Type::strings, true},
                                      {"ipv4_address", Type::string}},
                                     &j);
  if (!why.empty()) return fault(why);
  if (started_) return fault(kAfterBoot);
  if (j["network_interfaces"].empty()) {
    return fault("The list of network interface IDs that allow forwarding MMDS requests is empty.");
  }
  for (const auto& id : j["network_interfaces"]) {
    if (!network_interfaces_.contains(id.get<std::string>())) {
      return fault(
          "The list of network interface IDs provided contains at least one ID that does not "
          "correspond to any existing network interface.");
    }
  }
  mmds_config_ = j;
  return {};
}

}  // namespace ember::fakefc
