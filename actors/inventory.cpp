// The inventory: the table of VMs behind ListVMs and Watch
// (messages/ember_inventory.proto). Supervisors report their VM's phase
// (creating, running, paused, stopping, gone) and the VM's effects what its
// shim says of the guest (booting, ready, boot-failed, VMM pid, accel, shape);
// the inventory merges both into one state per VM and tells every watcher
// of each change. It decides nothing for the VMs: losing it loses no VM.
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "actors/actors.hpp"
#include "metrics/ember_metrics.hpp"

namespace ember::actors {
namespace {

using namespace msg;

struct Entry {
  VmSummary summary;                  // summary.state: what ListVMs shows
  VmState phase = VmState::creating;  // as the supervisor reported it
  bool has_guest = false;
  bool metered = false;  // counted in the ember_vms gauge under summary.state
};

struct InventoryState {
  std::map<VmKey, Entry> vms;
  std::vector<InventoryWatch> watches;
  metrics::Metrics* metrics = nullptr;  // the ember_vms gauge; null: none
  static inline const char* name = "inventory";
};

using Self = caf::stateful_actor<InventoryState, inventory_actor::base>*;

// The gauge's states are the inventory's, in the same order (1-based there).
metrics::VmState metered_state(VmState s) {
  return static_cast<metrics::VmState>(static_cast<int>(s) - 1);
}

// Counts e in the ember_vms gauge under its shown state, moving it from
// `was` when it was counted already.
void meter(Self self, Entry& e, VmState was) {
  metrics::Metrics* m = self->state.metrics;
  if (m == nullptr) return;
  if (e.metered) m->vm_left(metered_state(was));
  m->vm_entered(metered_state(e.summary.state));
  e.metered = true;
}

// Takes e out of the gauge: its VM is gone.
void unmeter(Self self, const Entry& e) {
  if (self->state.metrics != nullptr && e.metered)
    self->state.metrics->vm_left(metered_state(e.summary.state));
}

// A running VM shows its guest's state; any other phase shows itself.
VmState shown(const Entry& e) {
  if (e.phase != VmState::ready) return e.phase;
  return e.has_guest ? e.summary.guest.state : VmState::booting;
}

void tell(Self self, const VmChange& change) {
  auto& ws = self->state.watches;
  ws.erase(std::remove_if(ws.begin(), ws.end(),
                          [&](const InventoryWatch& w) {
                            if (!w.all && w.ns != change.vm.key.ns) return false;
                            return !w.deliver(change);
                          }),
           ws.end());
}

// The shown state after a change: an event of its own type, else one named
// after the new state when it changed.
void restate(Self self, Entry& e, std::string type, std::string cause) {
  VmState before = e.summary.state;
  e.summary.state = shown(e);
  if (!e.metered || e.summary.state != before) meter(self, e, before);
  if (type.empty() && e.summary.state != before) type = to_string(e.summary.state);
  if (type.empty()) return;
  if (cause.empty() && e.summary.state == VmState::boot_failed) cause = e.summary.guest.reason;
  tell(self, VmChange{std::move(type), e.summary, std::move(cause)});
}

void on_change(Self self, const VmChange& change) {
  auto& vms = self->state.vms;
  const VmKey& key = change.vm.key;
  if (change.type == "exit") {
    auto i = vms.find(key);
    VmSummary last = i != vms.end() ? i->second.summary : change.vm;
    if (i != vms.end()) {
      unmeter(self, i->second);
      vms.erase(i);
    }
    tell(self, VmChange{change.type, last, change.cause});
    return;
  }
  auto [i, fresh] = vms.try_emplace(key);
  Entry& e = i->second;
  if (fresh) e.summary.key = key;
  e.phase = change.vm.state;
  if (change.vm.shim_pid > 0) e.summary.shim_pid = change.vm.shim_pid;
  restate(self, e, change.type, change.cause);
}

void on_guest(Self self, const VmKey& key, const GuestStatus& status) {
  auto i = self->state.vms.find(key);
  if (i == self->state.vms.end()) return;  // late: the VM is gone
  Entry& e = i->second;
  e.summary.guest = status;
  e.has_guest = true;
  restate(self, e, {}, {});
}

std::vector<VmSummary> select(Self self, const InventoryQuery& q) {
  std::vector<VmSummary> out;
  for (const auto& [key, e] : self->state.vms)
    if (q.all || key.ns == q.ns) out.push_back(e.summary);
  return out;
}

// Always spawned with its argument, even a null one: CAF 0.17's
// init_fun_factory dereferences a null std::tuple<> pointer for an actor
// spawned with none (undefined behaviour that UBSan halts on).
inventory_actor::behavior_type inventory(Self self, metrics::Metrics* metrics) {
  self->state.metrics = metrics;
  return {
      [=](vm_change_atom, const VmChange& c) { on_change(self, c); },
      [=](guest_atom, const VmKey& key, const GuestStatus& s) { on_guest(self, key, s); },
      [=](list_atom, const InventoryQuery& q) { q.reply(select(self, q)); },
      [=](watch_atom, InventoryWatch& w) { self->state.watches.push_back(std::move(w)); },
  };
}

// Reports become messages to the inventory; a null handle drops them.
class InventoryMailbox final : public InventorySink {
 public:
  explicit InventoryMailbox(inventory_actor inv) : inv_(std::move(inv)) {}
  void changed(const VmChange& c) override {
    if (inv_) caf::anon_send(inv_, vm_change_atom::value, c);
  }
  void guest(const VmKey& key, const GuestStatus& s) override {
    if (inv_) caf::anon_send(inv_, guest_atom::value, key, s);
  }

 private:
  inventory_actor inv_;
};

}  // namespace

msg::inventory_actor spawn_inventory(caf::actor_system& sys, metrics::Metrics* metrics) {
  return sys.spawn(inventory, metrics);
}

std::unique_ptr<msg::InventorySink> inventory_sink(msg::inventory_actor inventory) {
  return std::make_unique<InventoryMailbox>(std::move(inventory));
}

}  // namespace ember::actors
