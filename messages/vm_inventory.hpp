#pragma once
// The inventory of VMs as emberd's actors keep it (CAF-free values): each
// supervisor reports its VM's changes through an InventorySink, the
// inventory actor keeps the table, answers ListVMs and feeds Watch streams
// (messages/ember_inventory.proto is the wire form; cmd/emberd encodes it).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "messages/vm_types.hpp"

namespace ember::msg {

// Numbered as ember.v1.VMState on the wire.
enum class VmState : uint8_t {
  creating = 1,
  booting = 2,
  ready = 3,
  paused = 4,
  stopping = 5,
  boot_failed = 6
};
// "creating", ..., "boot-failed".
const char* to_string(VmState s);

// What the shim says of its VM (ember.v1.GuestStatus): the guest's state
// (booting, ready, boot_failed) and what only the shim knows.
struct GuestStatus {
  VmState state = VmState::booting;
  std::string reason;  // boot_failed: why
  std::string backend;
  std::string accel;
  std::string accel_reason;
  uint32_t vcpus = 0;
  uint32_t memory_mib = 0;
  int32_t vmm_pid = 0;
  int64_t started_unix_nano = 0;
};

// One VM in the inventory.
struct VmSummary {
  VmKey key;
  VmState state = VmState::creating;
  int32_t shim_pid = 0;
  GuestStatus guest;  // as the shim last reported it (empty before)
  // Through a fleet front (docs/fleet.md): the member that holds it, and
  // whether another member holds the same key and won; "" and false on one host.
  std::string member;
  bool conflict = false;
};

// A change of one VM. type: create, booting, ready, boot-failed, pause,
// resume, stop, exit (the VM is gone; cause says why), adopt.
struct VmChange {
  std::string type;
  VmSummary vm;
  std::string cause;
};

// Where a supervisor reports its VM's changes (change.vm.state is then its
// own phase: creating, ready for running, paused or stopping; change.type
// empty when the change is no event of its own), and a VM's effects what
// its shim reports (guest). Callable from any thread; must not block.
class InventorySink {
 public:
  virtual ~InventorySink() = default;
  virtual void changed(const VmChange& change) = 0;
  virtual void guest(const VmKey& key, const GuestStatus& status) = 0;
};

// A ListVMs: the VMs of namespace ns (all of them with all), sorted by key,
// handed to reply. Local only (never serialized).
struct InventoryQuery {
  std::string ns;
  bool all = false;
  std::function<void(std::vector<VmSummary>)> reply;
};

// A Watch: every change of a VM in ns (any with all) goes to deliver, which
// returns false once its stream has ended (the watch is then dropped).
struct InventoryWatch {
  std::string ns;
  bool all = false;
  std::function<bool(const VmChange&)> deliver;
};

}  // namespace ember::msg
