#pragma once
// SimEffects: the effects seam (messages/vm_effects.hpp) in memory. It records
// every effect a supervisor asks for and touches nothing; the test decides
// what comes back and when, through the VmEvents the supervisor gave it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "messages/vm_effects.hpp"

namespace ember::actors::testing {

// What one VM's effects were asked, in order, and how to answer.
struct SimVm {
  msg::VmKey key;
  std::shared_ptr<msg::VmEvents> events;                // completions go here
  std::vector<std::string> effects;                     // "launch", "call 1 CreateVM", "kill", ...
  std::vector<std::pair<uint64_t, msg::VmCall>> calls;  // every call_shim
  std::vector<std::pair<std::chrono::milliseconds, uint64_t>> timers;
  std::vector<msg::ShimRecord> adopted;
  bool destroyed = false;
  // The id of the last call_shim of `method`; 0 if none.
  uint64_t last_call(msg::Method method) const;
};

class SimEffectsFactory final : public msg::EffectsFactory {
 public:
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey& key,
                                       std::shared_ptr<msg::VmEvents> events) override;
  // Every VM made, in order.
  std::vector<std::shared_ptr<SimVm>> vms;
  // The clock every VM's now() reads; tests move it.
  std::shared_ptr<msg::SteadyTime> clock = std::make_shared<msg::SteadyTime>();
};

}  // namespace ember::actors::testing
