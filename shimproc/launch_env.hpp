#pragma once
// The command line and environment a shim starts with, per the launch
// contract (launch_contract.hpp).
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::shimproc {

// argv[1..]: -namespace <ns> -id <id> -address <containerd address>, then
// -config <config_path> unless it is empty.
std::vector<std::string> shim_arguments(const std::string& ns, const std::string& id,
                                        const std::string& containerd_address,
                                        const std::string& config_path);

// base (NULL-terminated, usually environ) without the names set here, then
// FIRECRACKER_VM_ID=<vm_id>, FCCONTROL_SOCKET_FD=4,
// TTRPC_ADDRESS=<containerd_address>.ttrpc, then `extra` ("NAME=value" each).
// INVALID_ARGUMENT for an extra entry that is not NAME=value, repeats a name,
// or names one of the three contract variables.
Status shim_environment(const std::string& vm_id, const std::string& containerd_address,
                        const std::vector<std::string>& extra, const char* const* base,
                        std::vector<std::string>* out);

}  // namespace ember::shimproc
