#pragma once
// The effects seam (messages/vm_effects.hpp) answering from a journal. Each
// VmEffects is one incarnation, numbered from 1 in make() order as the
// recorder numbers them; it records every effect the supervisor asks for, so
// that a recorded completion is delivered only once its cause was asked.
// CAF-free.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "messages/vm_effects.hpp"

namespace ember::replay {

// What one supervisor's effects were asked, and which completions it got.
struct Incarnation {
  uint64_t number = 0;   // make() order, from 1
  uint32_t ordinal = 0;  // 1 for the VM's first incarnation, ...
  msg::VmKey key;
  std::string vm;  // "ns/id"
  size_t vm_index = 0;
  std::shared_ptr<msg::VmEvents> events;
  bool launched = false;
  bool adopted = false;
  bool killed = false;
  bool stop_asked = false;  // a call_shim of StopVM
  bool started = false;     // the started completion was delivered
  bool started_ok = false;
  bool exited = false;                    // the shim_exit completion was delivered
  bool alive = true;                      // its VmEffects exists (the supervisor has not ended)
  std::map<uint64_t, msg::VmCall> calls;  // call_shim, by call id
  std::set<uint64_t> timers;              // start_timer tokens
};

class ReplayFactory final : public msg::EffectsFactory {
 public:
  // vms: the VMs the journal names; index i in it is vm index i here. VMs
  // the journal does not name get the next indexes.
  ReplayFactory(int64_t start_mono_nanos, const std::vector<std::string>& vms);
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey& key,
                                       std::shared_ptr<msg::VmEvents> events) override;

  // Incarnation `ordinal` of vm; null if it was not made (yet).
  Incarnation* find(size_t vm_index, uint32_t ordinal);
  // The latest incarnation of vm; null if none.
  Incarnation* latest(size_t vm_index);

  // The clock now() reads: the recorded time of the input being delivered.
  void set_now(int64_t mono_nanos) { now_ = mono_nanos; }
  msg::SteadyTime now() const;
  int64_t now_nanos() const { return now_; }

  size_t live_total() const { return live_total_; }
  // Set when some VM had two live supervisors at once: "ns/id".
  const std::string& doubled_vm() const { return doubled_; }

  // Called by the effects objects.
  void ended(Incarnation* inc);
  void touch(size_t vm_index) { touched_.push_back(vm_index); }
  // The VMs whose effects were asked since the last call, appended to *out.
  void take_touched(std::vector<size_t>* out) {
    out->insert(out->end(), touched_.begin(), touched_.end());
    touched_.clear();
  }

 private:
  int64_t start_mono_;
  int64_t now_ = 0;
  std::vector<std::unique_ptr<Incarnation>> incarnations_;
  std::map<std::string, size_t> index_;
  std::vector<std::vector<Incarnation*>> by_vm_;
  std::vector<int> live_;
  size_t live_total_ = 0;
  std::string doubled_;
  std::vector<size_t> touched_;
};

}  // namespace ember::replay
