// QemuVmm's boot watchdog and its reports of the guest (Vmm::on_guest): a
// guest that has not printed its ready marker within vm.boot_timeout_seconds
// of QEMU running the VM is boot-failed, and QEMU is killed so that a kernel
// that is not a kernel does not spin a CPU forever. The shim keeps the VM's
// record (docs/emberd.md, "Boot watchdog").
#include <signal.h>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "shim/vmm/qemu/qemu_vmm.hpp"

namespace ember::shim::qemu {

void QemuVmm::report_guest(GuestReport::State state, std::string reason) {
  GuestReport r;
  r.state = state;
  r.reason = std::move(reason);
  r.vmm_pid = state == GuestReport::State::boot_failed ? 0 : process_.pid();
  r.accel = accel_;
  r.accel_reason = accel_reason_;
  notify_guest(r);
}

void QemuVmm::arm_boot_watchdog() {
  const uint32_t seconds = config_.vm.boot_timeout_seconds;
  if (seconds == 0 || guest_ready_) return;
  boot_timer_ = loop_.after(static_cast<long>(seconds) * 1000, guarded([this, seconds] {
                              boot_timer_ = 0;
                              on_boot_timeout(seconds);
                            }));
}

void QemuVmm::on_boot_timeout(uint32_t seconds) {
  if (state_ != State::running || guest_ready_) return;
  boot_failure_ = "the guest did not report ready within " + std::to_string(seconds) +
                  " s (vm.boot_timeout_seconds)";
  spdlog::warn("boot watchdog: {}; killing qemu", boot_failure_);
  report_guest(GuestReport::State::boot_failed, boot_failure_);
  process_.signal(SIGKILL);  // its exit releases the VM's files; the shim stays
}

}  // namespace ember::shim::qemu
