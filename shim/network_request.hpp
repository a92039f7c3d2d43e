#pragma once
// CreateVM's NetworkInterfaces and JailerConfig.NetNS into a VmSpec, checked
// as firecracker-go-sdk checks them (network.go, validate): each interface
// has a StaticConfig or a CNIConfig, not both; a StaticConfig names its tap;
// an IPConfig (IPv4 only, at most two nameservers) needs a single interface
// and no ip= in the kernel args. Every refusal is INVALID_ARGUMENT naming
// the field. CNIConfig is left to refuse_unhonoured_fields.
#include <optional>
#include <string>

#include "base/status.hpp"
#include "fccontrol.pb.h"
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

// Fills spec->network_interfaces (StaticConfig entries, in request order),
// spec->netns, and appends the IPConfig's ip= to spec->kernel_args (before a
// "--", if any), as firecracker-containerd's runtime does.
Status network_from_request(const CreateVMRequest& req, VmSpec* spec);

// The kernel's ip= value for ip, exactly as firecracker-go-sdk writes it
// (cni/vmconf IPBootParam, with the device left empty as the reference's
// StaticConfig path leaves it): "<client>::<gateway>:<netmask>:::off:<dns0>:<dns1>:".
Status ip_boot_param(const IPConfiguration& ip, std::string* out);

// kernel_args with word added before a "--" (what follows it is init's).
std::string with_kernel_arg(const std::string& kernel_args, const std::string& word);

// The request's rate limiter, when `has` and it sets a bucket; else none.
std::optional<RateLimiter> rate_limiter_from_request(bool has, const FirecrackerRateLimiter& r);

}  // namespace ember::shim
