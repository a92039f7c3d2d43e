#pragma once
// HollowVmm: a VMM without a VM, for scale tests of the control plane. Its
// state lives in memory (paused flag, balloon target and polling interval);
// balloon stats are synthesized from it. Completions are posted to the loop,
// so they run after the call returns, as with a real backend.
#include <memory>
#include <string>

#include "shim/vmm/vmm.hpp"

namespace ember::shim::hollow {

class HollowVmm : public Vmm {
 public:
  HollowVmm(io::EventLoop& loop, std::string vm_id);
  ~HollowVmm() override;

  void create(const VmSpec& spec, Done done) override;
  void pause(Done done) override;
  void resume(Done done) override;
  // As the qemu backend (issue 14): a paused VM is resumed and shut down
  // gracefully, so the stop completes OK whether it was paused or not.
  void stop(std::chrono::seconds timeout, Done done) override;
  void update_balloon(int64_t amount_mib, Done done) override;
  void balloon_stats(StatsDone done) override;
  void update_balloon_stats_interval(int64_t seconds, Done done) override;

  bool paused() const { return paused_; }
  int64_t balloon_amount_mib() const { return balloon_amount_mib_; }
  int64_t balloon_interval_s() const { return balloon_interval_s_; }

 private:
  // Runs fn on the loop unless this object is gone by then.
  void later(std::function<void()> fn);
  // FAILED_PRECONDITION unless the VM was created and not stopped.
  Status check_running() const;
  Status check_balloon() const;

  io::EventLoop& loop_;
  std::string vm_id_;
  bool created_ = false;
  bool stopped_ = false;
  bool paused_ = false;
  bool has_balloon_ = false;
  uint32_t memory_mib_ = 0;
  int64_t balloon_amount_mib_ = 0;
  int64_t balloon_interval_s_ = 0;
  std::shared_ptr<char> alive_;  // posted completions hold a weak_ptr to it
};

}  // namespace ember::shim::hollow
