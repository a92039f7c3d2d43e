#pragma once
// The events of a VM, as firecracker-containerd's runtime publishes them to
// containerd: topic /firecracker-vm/start with VMStart{VMID} once CreateVM
// succeeded, /firecracker-vm/stop with VMStop{VMID} once the VM stopped
// (messages/events.proto). docs/events.md describes them for users.
#include <string>

namespace ember::shim {

class EventPublisher;

inline constexpr const char* kVmStartTopic = "/firecracker-vm/start";
inline constexpr const char* kVmStopTopic = "/firecracker-vm/stop";

enum class VmEvent { started, stopped };

// Queues the event of VM vm_id on publisher (never waits).
void publish_vm_event(EventPublisher& publisher, VmEvent event, const std::string& vm_id);

}  // namespace ember::shim
