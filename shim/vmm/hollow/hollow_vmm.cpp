#include "shim/vmm/hollow/hollow_vmm.hpp"

#include "io/event_loop.hpp"
#include "shim/vmm/balloon.hpp"

namespace ember::shim::hollow {

HollowVmm::HollowVmm(io::EventLoop& loop, std::string vm_id)
    : loop_(loop), vm_id_(std::move(vm_id)), alive_(std::make_shared<char>()) {}

HollowVmm::~HollowVmm() = default;

void HollowVmm::later(std::function<void()> fn) {
  std::weak_ptr<char> alive = alive_;
  loop_.post([alive, fn = std::move(fn)] {
    if (alive.lock()) fn();
  });
}

Status HollowVmm::check_running() const {
  if (!created_) return Status::FailedPrecondition("VM " + vm_id_ + " is not created");
  if (stopped_) return Status::FailedPrecondition("VM " + vm_id_ + " is stopped");
  return Status::Ok();
}

Status HollowVmm::check_balloon() const {
  Status s = check_running();
  if (s.ok() && !has_balloon_) {
    s = Status::FailedPrecondition("VM " + vm_id_ + " has no balloon device");
  }
  return s;
}

void HollowVmm::create(const VmSpec& spec, Done done) {
  Status s = created_ ? Status::AlreadyExists("VM " + vm_id_ + " already exists") : Status::Ok();
  if (s.ok()) {
    created_ = true;
    memory_mib_ = spec.memory_mib;
    if (spec.balloon) {
      has_balloon_ = true;
      balloon_amount_mib_ = spec.balloon->amount_mib;
      balloon_interval_s_ = spec.balloon->stats_polling_interval_s;
    }
  }
  later([s, done = std::move(done)] { done(s); });
}

void HollowVmm::pause(Done done) {
  Status s = check_running();
  if (s.ok()) paused_ = true;
  later([s, done = std::move(done)] { done(s); });
}

void HollowVmm::resume(Done done) {
  Status s = check_running();
  if (s.ok()) paused_ = false;
  later([s, done = std::move(done)] { done(s); });
}

void HollowVmm::stop(std::chrono::seconds /*timeout*/, Done done) {
  Status s = check_running();
  if (s.ok()) {
    paused_ = false;  // resumed to shut down
    stopped_ = true;
  }
  later([s, done = std::move(done)] { done(s); });
}

void HollowVmm::update_balloon(int64_t amount_mib, Done done) {
  Status s = check_balloon();
  if (s.ok()) s = check_balloon_amount(amount_mib, memory_mib_);
  if (s.ok()) balloon_amount_mib_ = amount_mib;
  later([s, done = std::move(done)] { done(s); });
}

void HollowVmm::balloon_stats(StatsDone done) {
  Status s = check_balloon();
  BalloonStats stats;
  if (s.ok()) stats = synthesized_balloon_stats(memory_mib_, balloon_amount_mib_);
  later([s, stats, done = std::move(done)] { done(s, stats); });
}

void HollowVmm::update_balloon_stats_interval(int64_t seconds, Done done) {
  Status s = check_balloon();
  if (s.ok()) s = check_balloon_interval(seconds);
  if (s.ok()) balloon_interval_s_ = seconds;
  later([s, done = std::move(done)] { done(s); });
}

}  // namespace ember::shim::hollow
