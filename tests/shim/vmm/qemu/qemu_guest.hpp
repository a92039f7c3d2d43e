#pragma once
// Support for tests with real QEMU VMs: the guest image (built or found in
// its cache by deploy/guest/build-guest.sh), the shim config that boots it,
// the guest agent's socket, and waiting for files and processes.
#include <sys/types.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shimtest {

// Generous: boots are CPU-bound and the 2 cores are shared.
inline constexpr std::chrono::seconds kBootDeadline{180};

// True when qemu-system-x86_64 is in PATH.
bool qemu_installed();

// The guest kernel (vmlinuz; initrd.gz lies beside it). Runs build-guest.sh
// once per process (it is idempotent and caches); FAILED_PRECONDITION with
// the script's last output when it fails.
Status guest_kernel(std::string* kernel);

// A shim config for the qemu backend with that kernel as the default.
std::string qemu_config_yaml(const std::string& kernel, uint32_t memory_mib);

// The processes whose parent is pid.
std::vector<pid_t> child_pids(pid_t parent);
// Names in a directory (no . and ..).
std::set<std::string> dir_entries(const std::string& dir);
// Waits (inotify, no polling) until path exists; false at the deadline.
bool wait_for_file(const std::string& path, std::chrono::milliseconds deadline);
// Waits until the process pid (any, not only a child) has exited.
bool wait_gone(pid_t pid, std::chrono::milliseconds deadline);

// A connection to the guest agent's socket (agent.sock in the VM dir): each
// line sent is run by the guest's shell; its output follows, then "__RC=<n>".
class GuestAgent {
 public:
  Status connect(const std::string& socket_path);
  Status send(const std::string& command);
  // Output until the "__RC=" line; DEADLINE_EXCEEDED when none came in time.
  Status read_reply(std::chrono::milliseconds deadline, std::string* output);
  // send + read_reply.
  Status run(const std::string& command, std::string* output,
             std::chrono::milliseconds deadline = kBootDeadline);

 private:
  UniqueFd fd_;
  std::string buffered_;
};

}  // namespace ember::shimtest
