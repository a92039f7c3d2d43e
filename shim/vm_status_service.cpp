#include "shim/vm_status_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ember_inventory.pb.h"
#include "messages/ember_inventory.hpp"

namespace ember::shim {
namespace {

v1::VMState wire_state(GuestReport::State s) {
  switch (s) {
    case GuestReport::State::booting:
      return v1::BOOTING;
    case GuestReport::State::ready:
      return v1::READY;
    case GuestReport::State::boot_failed:
      return v1::BOOT_FAILED;
  }
  return v1::VM_STATE_UNSPECIFIED;
}

}  // namespace

VmStatusService::VmStatusService() : status_(std::make_unique<v1::GuestStatus>()) {
  status_->set_state(v1::BOOTING);
}

VmStatusService::~VmStatusService() = default;

void VmStatusService::register_methods(ttrpc::Server& server) {
  server.add_method(
      msg::kVmStatusService, msg::kVmStatusWatch, [this](ttrpc::Request req, ttrpc::Responder r) {
        if (!req.streaming()) {
          r.reply(
              Status::FailedPrecondition("ember.v1.VmStatus/Watch is a stream: call it as one"));
          return;
        }
        if (created_) r.send_data(status_->SerializeAsString());
        watchers_.push_back(std::move(r));
      });
}

void VmStatusService::created(const VmSpec& spec, const std::string& backend, bool reports_guest) {
  status_->set_backend(backend);
  status_->set_vcpucount(spec.vcpus);
  status_->set_memsizemib(spec.memory_mib);
  status_->set_startedunixnano(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  if (!reports_guest) status_->set_state(v1::READY);
  if (backend == "firecracker") status_->set_accel("kvm");  // it needs /dev/kvm
  created_ = true;
  publish();
}

void VmStatusService::guest(const GuestReport& report) {
  status_->set_state(wire_state(report.state));
  status_->set_statereason(report.reason);
  status_->set_vmmpid(report.vmm_pid);
  status_->set_accel(report.accel);
  status_->set_accelreason(report.accel_reason);
  if (created_) publish();
}

void VmStatusService::publish() {
  const std::string payload = status_->SerializeAsString();
  // A watcher whose stream ended (emberd went away) is dropped.
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const ttrpc::Responder& r) { return !r.send_data(payload); }),
                  watchers_.end());
}

}  // namespace ember::shim
