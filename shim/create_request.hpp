#pragma once
// Turns a CreateVM request into a VmSpec: zero values take the config's
// defaults, nonsense is refused with INVALID_ARGUMENT naming the field.
#include <cstdint>

#include "base/status.hpp"
#include "fccontrol.pb.h"
#include "shim/vmm/vmm.hpp"

namespace ember::config {
struct Config;
}

namespace ember::shim {

inline constexpr uint32_t kMaxVcpus = 32;
inline constexpr uint32_t kMaxMemoryMib = 1u << 20;  // 1 TiB

// The request's VMID is not checked here (the service checks every call's).
Status vm_spec_from_request(const CreateVMRequest& req, const config::Config& cfg, VmSpec* out);

}  // namespace ember::shim
