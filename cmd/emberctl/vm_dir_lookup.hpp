#pragma once
// The VM directory of a running VM, from the SocketPath its GetVMInfo reports
// (<VM dir>/firecracker.sock). The commands that read the VM's files
// directly (vm logs, vm console, vm exec, vm wait-ready) find them there: they
// need the access emberd's user has to that directory.
#include <string>

#include "base/status.hpp"
#include "cmd/emberctl/invocation.hpp"

namespace ember::ctl {

Status vm_dir_of(Invocation& inv, const std::string& id, std::string* dir);

}  // namespace ember::ctl
