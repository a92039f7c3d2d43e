#include "sim_effects.hpp"

#include <utility>

namespace ember::actors::testing {
namespace {

class SimVmEffects final : public msg::VmEffects {
 public:
  SimVmEffects(std::shared_ptr<SimVm> vm, std::shared_ptr<msg::SteadyTime> clock)
      : vm_(std::move(vm)), clock_(std::move(clock)) {}
  ~SimVmEffects() override { vm_->destroyed = true; }

  void launch() override { vm_->effects.push_back("launch"); }
  void adopt(const msg::ShimRecord& record) override {
    vm_->effects.push_back("adopt");
    vm_->adopted.push_back(record);
  }
  void call_shim(uint64_t call_id, const msg::VmCall& call) override {
    vm_->effects.push_back("call " + std::to_string(call_id) + " " + msg::method_name(call.method));
    vm_->calls.emplace_back(call_id, call);
  }
  void kill_shim(const std::string&) override { vm_->effects.push_back("kill"); }
  void start_timer(std::chrono::milliseconds after, uint64_t token) override {
    vm_->effects.push_back("timer " + std::to_string(token));
    vm_->timers.emplace_back(after, token);
  }
  void remove_all() override { vm_->effects.push_back("remove_all"); }
  void detach() override { vm_->effects.push_back("detach"); }
  msg::SteadyTime now() const override { return *clock_; }

 private:
  std::shared_ptr<SimVm> vm_;
  std::shared_ptr<msg::SteadyTime> clock_;
};

}  // namespace

uint64_t SimVm::last_call(msg::Method method) const {
  for (auto i = calls.rbegin(); i != calls.rend(); ++i)
    if (i->second.method == method) return i->first;
  return 0;
}

std::unique_ptr<msg::VmEffects> SimEffectsFactory::make(const msg::VmKey& key,
                                                        std::shared_ptr<msg::VmEvents> events) {
  auto vm = std::make_shared<SimVm>();
  vm->key = key;
  vm->events = std::move(events);
  vms.push_back(vm);
  return std::make_unique<SimVmEffects>(vm, clock);
}

}  // namespace ember::actors::testing
