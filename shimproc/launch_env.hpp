#pragma once
// The environment a shim starts with, per the launch contract.
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::shimproc {

// base (NULL-terminated, usually environ) without the names set here, then
// FIRECRACKER_VM_ID=<vm_id>, FCCONTROL_SOCKET_FD=4,
// TTRPC_ADDRESS=<containerd_address>.ttrpc, then `extra` ("NAME=value" each).
// INVALID_ARGUMENT for an extra entry that is not NAME=value, repeats a name,
// or names one of the three contract variables.
Status shim_environment(const std::string& vm_id, const std::string& containerd_address,
                        const std::vector<std::string>& extra, const char* const* base,
                        std::vector<std::string>* out);

}  // namespace ember::shimproc
