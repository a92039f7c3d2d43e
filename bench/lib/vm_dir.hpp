#pragma once
// Where a VM's directory is, as emberd itself reports it: GetVMInfo's
// SocketPath is <VM dir>/firecracker.sock (docs/cli.md), so a bench needs
// neither emberd's config nor its shim_base_dir to find the directory.
#include <string>

#include "base/status.hpp"

namespace ember::bench {

// The VM directory of VM id from the payload of its GetVMInfo reply: the
// directory of SocketPath. INTERNAL when the payload is not a
// GetVMInfoResponse; FAILED_PRECONDITION naming SocketPath and its value when
// that is not an absolute path below a directory.
Status vm_dir_from_info(const std::string& id, const std::string& payload, std::string* out);

}  // namespace ember::bench
