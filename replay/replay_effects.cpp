#include "replay/replay_effects.hpp"

namespace ember::replay {
namespace {

// Records what the supervisor asks; the completions come from the journal.
class ReplayVm final : public msg::VmEffects {
 public:
  ReplayVm(ReplayFactory* factory, Incarnation* inc) : factory_(factory), inc_(inc) {}
  ~ReplayVm() override { factory_->ended(inc_); }

  void launch() override {
    inc_->launched = true;
    factory_->touch(inc_->vm_index);
  }
  void adopt(const msg::ShimRecord&) override {
    inc_->adopted = true;
    factory_->touch(inc_->vm_index);
  }
  void call_shim(uint64_t call_id, const msg::VmCall& call) override {
    if (call.method == msg::Method::stop_vm) inc_->stop_asked = true;
    inc_->calls.emplace(call_id, call);
    factory_->touch(inc_->vm_index);
  }
  void kill_shim(const std::string&) override {
    inc_->killed = true;
    factory_->touch(inc_->vm_index);
  }
  void start_timer(std::chrono::milliseconds, uint64_t token) override {
    inc_->timers.insert(token);
    factory_->touch(inc_->vm_index);
  }
  void remove_all() override {}
  void detach() override {}
  msg::SteadyTime now() const override { return factory_->now(); }

 private:
  ReplayFactory* factory_;
  Incarnation* inc_;
};

}  // namespace

ReplayFactory::ReplayFactory(int64_t start_mono_nanos, const std::vector<std::string>& vms)
    : start_mono_(start_mono_nanos), by_vm_(vms.size()), live_(vms.size()) {
  for (size_t i = 0; i < vms.size(); ++i)
    index_.emplace(vms[i], i);
}

std::unique_ptr<msg::VmEffects> ReplayFactory::make(const msg::VmKey& key,
                                                    std::shared_ptr<msg::VmEvents> events) {
  auto inc = std::make_unique<Incarnation>();
  inc->number = incarnations_.size() + 1;
  inc->key = key;
  inc->vm = key.ns + "/" + key.id;
  inc->events = std::move(events);
  auto [it, fresh] = index_.emplace(inc->vm, by_vm_.size());
  if (fresh) {
    by_vm_.emplace_back();
    live_.push_back(0);
  }
  inc->vm_index = it->second;
  auto& list = by_vm_[inc->vm_index];
  inc->ordinal = static_cast<uint32_t>(list.size() + 1);
  list.push_back(inc.get());
  if (++live_[inc->vm_index] > 1 && doubled_.empty()) doubled_ = inc->vm;
  ++live_total_;
  touch(inc->vm_index);
  incarnations_.push_back(std::move(inc));
  return std::make_unique<ReplayVm>(this, incarnations_.back().get());
}

void ReplayFactory::ended(Incarnation* inc) {
  inc->alive = false;
  --live_[inc->vm_index];
  --live_total_;
}

Incarnation* ReplayFactory::find(size_t vm_index, uint32_t ordinal) {
  if (vm_index >= by_vm_.size()) return nullptr;
  const auto& list = by_vm_[vm_index];
  return ordinal == 0 || ordinal > list.size() ? nullptr : list[ordinal - 1];
}

Incarnation* ReplayFactory::latest(size_t vm_index) {
  if (vm_index >= by_vm_.size() || by_vm_[vm_index].empty()) return nullptr;
  return by_vm_[vm_index].back();
}

msg::SteadyTime ReplayFactory::now() const {
  return msg::SteadyTime(std::chrono::nanoseconds(start_mono_ + now_));
}

}  // namespace ember::replay
