#pragma once
// Turns a CreateVM request into a VmSpec: zero values take the config's
// defaults, nonsense is refused with INVALID_ARGUMENT naming the field.
#include <cstdint>

#include "base/status.hpp"
#include "fccontrol.pb.h"
#include "messages/machine_limits.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::config {
struct Config;
}

namespace ember::shim {

using msg::kMaxMemoryMib;
using msg::kMaxVcpus;

// The request's VMID is not checked here (the service checks every call's).
Status vm_spec_from_request(const CreateVMRequest& req, const config::Config& cfg, VmSpec* out);

}  // namespace ember::shim
