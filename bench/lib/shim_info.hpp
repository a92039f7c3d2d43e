#pragma once
// The shim of a VM, as its VM directory describes it.
#include <sys/types.h>

#include <string>

#include "base/status.hpp"

namespace ember::bench {

// What a VM directory says about its shim (shim-state.json, written by the
// shim before it serves).
struct ShimInfo {
  pid_t pid = 0;
  std::string fccontrol_socket;  // absolute path
};
// Reads <vm_dir>/shim-state.json: keys "pid" and "fccontrol_socket"; when the
// latter is missing, the address file's path + "-fccontrol". NOT_FOUND if
// the file is missing, INVALID_ARGUMENT naming the file if it does not hold
// both.
Status read_shim_info(const std::string& vm_dir, ShimInfo* out);

}  // namespace ember::bench
