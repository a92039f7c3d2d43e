#include "messages/vm_inventory_wire.hpp"

#include "ember_inventory.pb.h"

namespace ember::msg {
namespace {

void fill(const VmSummary& vm, v1::VMSummary* out) {
  out->set_namespace_(vm.key.ns);
  out->set_vmid(vm.key.id);
  out->set_state(static_cast<v1::VMState>(vm.state));
  if (vm.state == VmState::boot_failed) out->set_statereason(vm.guest.reason);
  out->set_backend(vm.guest.backend);
  out->set_accel(vm.guest.accel);
  out->set_accelreason(vm.guest.accel_reason);
  out->set_vcpucount(vm.guest.vcpus);
  out->set_memsizemib(vm.guest.memory_mib);
  out->set_shimpid(vm.shim_pid);
  out->set_vmmpid(vm.guest.vmm_pid);
  out->set_startedunixnano(vm.guest.started_unix_nano);
  out->set_member(vm.member);
  out->set_conflict(vm.conflict);
}

}  // namespace

const char* to_string(VmState s) {
  switch (s) {
    case VmState::creating:
      return "creating";
    case VmState::booting:
      return "booting";
    case VmState::ready:
      return "ready";
    case VmState::paused:
      return "paused";
    case VmState::stopping:
      return "stopping";
    case VmState::boot_failed:
      return "boot-failed";
  }
  return "unknown";
}

bool decode_guest_status(const std::string& payload, GuestStatus* out) {
  v1::GuestStatus in;
  if (!in.ParseFromString(payload)) return false;
  switch (in.state()) {
    case v1::READY:
      out->state = VmState::ready;
      break;
    case v1::BOOT_FAILED:
      out->state = VmState::boot_failed;
      break;
    default:
      out->state = VmState::booting;
  }
  out->reason = in.statereason();
  out->backend = in.backend();
  out->accel = in.accel();
  out->accel_reason = in.accelreason();
  out->vcpus = in.vcpucount();
  out->memory_mib = in.memsizemib();
  out->vmm_pid = in.vmmpid();
  out->started_unix_nano = in.startedunixnano();
  return true;
}

std::string encode_vm_list(const std::vector<VmSummary>& vms) {
  v1::ListVMsResponse out;
  for (const auto& vm : vms)
    fill(vm, out.add_vms());
  return out.SerializeAsString();
}

std::string encode_vm_change(const VmChange& change, int64_t unix_nano) {
  v1::VMEvent out;
  out.set_timestampunixnano(unix_nano);
  out.set_type(change.type);
  out.set_cause(change.cause);
  fill(change.vm, out.mutable_vm());
  return out.SerializeAsString();
}

}  // namespace ember::msg
