#pragma once
// The launch contract between emberd and ember-shim, written once: both
// programs include this header (emberd's side: launch_env, ShimProcess,
// VmDir; the shim's: shim/launch, shim/shim_args, the backends).
//
// emberd starts a shim with
//   argv  <ember-shim> -namespace <ns> -id <vm id> -address <containerd address>
//                      [-config <path>]   (flags as -name or --name, Go style)
//   fds   0 /dev/null, 1 and 2 emberd's log pipe, 3 and 4 the listening sockets
//   env   FIRECRACKER_VM_ID=<vm id>, FCCONTROL_SOCKET_FD=4,
//         TTRPC_ADDRESS=<containerd address>.ttrpc, and EMBER_CONFIG when set
//   cwd   the VM directory <shim base dir>/<ns>#<id>
// and the shim writes shim-state.json into that directory once it serves.
// emberd spawns it with SIGKILL as parent-death signal; the shim clears that
// right after writing shim-state.json, which from then on lets a restarted
// emberd find it (so no shim can outlive emberd unrecorded).
// A shim that cannot start writes one start-failure line (below) to fd 2
// before it exits; emberd answers the CreateVM with that status.
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace ember::shimproc {

// The two listening unix sockets a shim inherits.
inline constexpr int kShimSocketFd = 3;       // containerd's task API
inline constexpr int kFccontrolSocketFd = 4;  // fccontrol ("Firecracker" service)

// Environment variables.
inline constexpr const char* kVmIdEnv = "FIRECRACKER_VM_ID";
inline constexpr const char* kFccontrolSocketFdEnv = "FCCONTROL_SOCKET_FD";
inline constexpr const char* kTtrpcAddressEnv = "TTRPC_ADDRESS";
inline constexpr const char* kTtrpcAddressSuffix = ".ttrpc";  // appended to the containerd address
inline constexpr const char* kConfigEnv = "EMBER_CONFIG";     // read by config::resolve

// Command-line flags (names without the leading '-').
inline constexpr const char* kNamespaceFlag = "namespace";
inline constexpr const char* kIdFlag = "id";
inline constexpr const char* kAddressFlag = "address";
inline constexpr const char* kConfigFlag = "config";
inline constexpr const char* kDebugFlag = "debug";

// Names in the VM directory (laid out as firecracker-containerd does).
inline constexpr const char* kAddressFile = "address";  // the shim API address
inline constexpr const char* kLogFifo = "log";
inline constexpr const char* kVmmSocketFile = "firecracker.sock";  // VMM API (QMP for QEMU)
inline constexpr const char* kVsockFile = "firecracker.vsock";
inline constexpr const char* kVmmLogFifo = "fc-logs.fifo";
inline constexpr const char* kMetricsFifo = "fc-metrics.fifo";
inline constexpr const char* kStateFile = "shim-state.json";
// What a VM leaves for its tombstone (docs/operations.md#consoles-logs-and-post-mortems): the
// qemu backend's console log (and its older half) and guest-ready line, and
// the shim's account of a VMM that ended unrequested.
inline constexpr const char* kConsoleLogFile = "console.log";
inline constexpr const char* kConsoleOldLogFile = "console.log.1";
inline constexpr const char* kGuestReadyFile = "guest-ready";
inline constexpr const char* kVmmExitFile = "vmm-exit";

// The start-failure line: the prefix, the status code's name, ": ", the
// message (one line: newlines become spaces).
inline constexpr std::string_view kStartFailurePrefix = "ember-shim cannot start: ";

inline std::string start_failure_line(const Status& why) {
  std::string line =
      std::string(kStartFailurePrefix) + code_name(why.code()) + ": " + why.message();
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return line;
}

// The status a start-failure line carries; false if line is not one.
inline bool parse_start_failure(std::string_view line, Status* out) {
  if (line.substr(0, kStartFailurePrefix.size()) != kStartFailurePrefix) return false;
  line.remove_prefix(kStartFailurePrefix.size());
  const size_t colon = line.find(": ");
  Code code;
  if (colon == std::string_view::npos || !code_from_name(line.substr(0, colon), &code) ||
      code == Code::ok)
    return false;
  *out = Status(code, std::string(line.substr(colon + 2)));
  return true;
}

// The VM directory's own name under the shim base dir.
inline std::string vm_dir_name(const std::string& ns, const std::string& id) {
  return ns + "#" + id;
}

}  // namespace ember::shimproc
