#pragma once
// fccontrol request payloads the end-to-end tests send, written once.
#include <cstdint>
#include <string>

#include "fccontrol.pb.h"

namespace ember::e2e {

// Any request that carries only its VMID (GetVMInfo, StopVM, PauseVM, ...).
template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

// A CreateVM of the smallest machine: 1 vCPU, 128 MiB.
inline std::string small_vm_request(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  return r.SerializeAsString();
}

}  // namespace ember::e2e
