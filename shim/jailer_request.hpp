#pragma once
// The CreateVM fields that say where and as whom the VMM runs, checked and
// copied into a VmSpec; INVALID_ARGUMENT naming the field for nonsense.
// JailerConfig.NetNS is network_request's.
#include "base/status.hpp"
#include "fccontrol.pb.h"
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

// JailerConfig.UID/GID (both non-zero, or both 0 = ours, as
// firecracker-containerd's jailer takes them), CPUs and Mems (kernel list
// format, online CPUs / memory nodes only) and CgroupPath (absolute, no "."
// or ".." component) into spec->jail.
Status jail_from_request(const CreateVMRequest& req, VmSpec* spec);

// LogFifoPath / MetricsFifoPath into spec->log_fifo / metrics_fifo: absolute,
// distinct, in an existing directory, and either missing (a FIFO is made
// there) or a FIFO already.
Status fifo_paths_from_request(const CreateVMRequest& req, VmSpec* spec);

}  // namespace ember::shim
