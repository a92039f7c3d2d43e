#include "replay/replay_effects.hpp"

namespace ember::replay {
namespace {

// Records what the supervisor asks; the completions come from the journal.
class ReplayVm final : public msg::VmEffects {
 public:
  ReplayVm(ReplayFactory* factory, Incarnation* inc) : factory_(factory), inc_(inc) {}
  ~ReplayVm() override { factory_->ended(inc_); }

  void launch() override { inc_->launched = true; }
  void adopt(const msg::ShimRecord&) override { inc_->adopted = true; }
  void call_shim(uint64_t call_id, const msg::VmCall& call) override {
    if (call.method == msg::Method::stop_vm) inc_->stop_asked = true;
    inc_->calls.emplace(call_id, call);
  }
  void kill_shim(const std::string&) override { inc_->killed = true; }
  void start_timer(std::chrono::milliseconds, uint64_t token) override {
    inc_->timers.insert(token);
  }
  void remove_all() override {}
  void detach() override {}
  msg::SteadyTime now() const override { return factory_->now(); }

 private:
  ReplayFactory* factory_;
  Incarnation* inc_;
};

}  // namespace

std::unique_ptr<msg::VmEffects> ReplayFactory::make(const msg::VmKey& key,
                                                    std::shared_ptr<msg::VmEvents> events) {
  auto inc = std::make_unique<Incarnation>();
  inc->number = incarnations_.size() + 1;
  inc->key = key;
  inc->vm = key.ns + "/" + key.id;
  inc->events = std::move(events);
  auto& list = by_vm_[inc->vm];
  inc->ordinal = static_cast<uint32_t>(list.size() + 1);
  list.push_back(inc.get());
  if (++live_[inc->vm] > 1 && doubled_.empty()) doubled_ = inc->vm;
  ++live_total_;
  incarnations_.push_back(std::move(inc));
  return std::make_unique<ReplayVm>(this, incarnations_.back().get());
}

void ReplayFactory::ended(Incarnation* inc) {
  inc->alive = false;
  --live_[inc->vm];
  --live_total_;
}

Incarnation* ReplayFactory::find(const std::string& vm, uint32_t ordinal) {
  auto i = by_vm_.find(vm);
  if (i == by_vm_.end() || ordinal == 0 || ordinal > i->second.size()) return nullptr;
  return i->second[ordinal - 1];
}

Incarnation* ReplayFactory::latest(const std::string& vm) {
  auto i = by_vm_.find(vm);
  return i == by_vm_.end() || i->second.empty() ? nullptr : i->second.back();
}

msg::SteadyTime ReplayFactory::now() const {
  return msg::SteadyTime(std::chrono::nanoseconds(start_mono_ + now_));
}

}  // namespace ember::replay
