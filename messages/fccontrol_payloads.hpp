#pragma once
// The few places where emberd looks inside fccontrol payloads. Kept out of the
// actor translation units so protobuf headers stay out of them.
#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::msg {

// Decodes the request for `method` (which checks the payload is well formed)
// and returns its VMID. INVALID_ARGUMENT if the payload does not decode.
Status decode_vm_id(Method method, const std::string& payload, std::string* vm_id);
// StopVMRequest.TimeoutSeconds of a payload already known to decode; 0 if unset.
uint32_t stop_timeout_seconds(const std::string& stop_vm_payload);
// CreateVMRequest.TimeoutSeconds of a payload already known to decode; 0 if unset.
uint32_t create_timeout_seconds(const std::string& create_vm_payload);
// CreateVMRequest.MachineCfg.MemSizeMib of a payload already known to decode;
// 0 if unset (the member's vm.memory_mib then applies).
uint32_t create_memory_mib(const std::string& create_vm_payload);
// A serialized StopVMRequest.
std::string stop_vm_payload(const std::string& vm_id, uint32_t timeout_seconds);

}  // namespace ember::msg
