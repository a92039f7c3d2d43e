#pragma once
// What the firecracker backend checks before it touches anything: a usable
// KVM device and the firecracker program. A failure is the CreateVM answer,
// and nothing exists yet that would need removing.
#include <string>

#include "base/status.hpp"

namespace ember::shim::firecracker {

inline constexpr const char* kKvmDevice = "/dev/kvm";
// TEST ONLY: when set (non-empty), names the device checked instead of
// /dev/kvm, so tests can run the backend against fake-firecracker on machines
// without KVM (set it to /dev/null) and test the missing-KVM answer on
// machines with it (set it to a missing path). Never set it in production.
inline constexpr const char* kTestKvmDeviceEnv = "EMBER_TEST_KVM_DEVICE";

// /dev/kvm, or the test override.
std::string kvm_device_path();

// OK if device opens read-write and is a character device; otherwise
// FAILED_PRECONDITION "firecracker backend needs /dev/kvm (<device>: <why>)".
Status check_kvm(const std::string& device);

// The absolute path of the program `name` (vmm.firecracker_binary): a name
// with a '/' is taken as a path, else looked up in $PATH. NOT_FOUND
// "firecracker binary <name> not found ..." or PERMISSION_DENIED when it is
// not an executable file.
Status resolve_binary(const std::string& name, std::string* absolute);

}  // namespace ember::shim::firecracker
