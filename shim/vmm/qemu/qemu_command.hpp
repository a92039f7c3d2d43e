#pragma once
// The QEMU command line for a VmSpec, and the host facts it depends on.
// docs/qemu-backend.md explains every argument.
#include <string>
#include <vector>

#include "base/status.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim::qemu {

struct QemuHost {
  bool kvm = false;        // hardware-assisted KVM is usable: accel kvm, else tcg
  std::string tcg_reason;  // with tcg: why not kvm, in words for `emberctl vm ls`
  long tsc_khz = 0;        // the host's TSC frequency; 0 when unknown
  std::string socat = "";  // socat's path (relays MMDS connections); "" when not installed
};

// MMDS for a guest (an interface with AllowMMDS): a second virtio-net device
// on a restricted user-mode network whose only way out is 169.254.169.254:80,
// forwarded (through socat, one process per connection) to the shim's
// MmdsServer on kMmdsSocketName in the VM dir. The guest init recognises
// that device by its MAC (deploy/guest/init.sh uses the same value).
inline constexpr const char* kMmdsSocketName = "mmds.sock";
inline constexpr const char* kMmdsGuestMac = "06:00:a9:fe:a9:fe";
bool wants_mmds(const VmSpec& spec);

// KVM counts as usable when the CPU has vmx or svm and /dev/kvm answers
// KVM_GET_API_VERSION. (A /dev/kvm without them, e.g. kvm_pvm's, cannot run
// a stock guest kernel: measured.) The TSC rate is /proc/cpuinfo's cpu MHz.
QemuHost probe_qemu_host();

// The fds the QEMU child finds its channels on (QemuLaunch::fds order).
inline constexpr int kQmpChildFd = 3;      // listening QMP socket
inline constexpr int kAgentChildFd = 4;    // listening guest agent socket
inline constexpr int kConsoleChildFd = 5;  // connected console socket (ttyS0)

// The QEMU arguments (argv[1..]) for spec. MMDS without socat is
// FAILED_PRECONDITION. Checks the files first: no kernel
// at all is FAILED_PRECONDITION; a missing or unreadable kernel, initrd or
// drive is NOT_FOUND / PERMISSION_DENIED, something that is not a regular
// file (or block device, for drives) INVALID_ARGUMENT; each message names
// the file and its role.
Status qemu_arguments(const VmSpec& spec, const QemuHost& host, std::vector<std::string>* args);

// spec.kernel_args plus what the guest needs on microvm, for every key the
// args do not set already: console=ttyS0 panic=-1 tsc_early_khz=<host>
// tsc=reliable cryptomgr.notests (inserted before a "--", if any), and
// root=PARTUUID=<root_partuuid> when that is not "".
std::string guest_kernel_args(const std::string& args, const QemuHost& host,
                              const std::string& root_partuuid = "");

// value with every ',' doubled, as QEMU's option syntax wants it.
std::string qemu_escape(const std::string& value);

// "<kernel dir>/initrd.gz" when that file exists, else "": the guest image
// keeps both side by side, and the config has no initrd key.
std::string initrd_beside(const std::string& kernel);

// The QEMU binary as a path: a name with a '/' as given, others looked up in
// PATH. FAILED_PRECONDITION naming it when it is missing or not executable.
Status resolve_qemu_binary(const std::string& name, std::string* path);

}  // namespace ember::shim::qemu
