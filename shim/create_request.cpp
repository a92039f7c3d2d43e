#include "shim/create_request.hpp"

#include <string>

#include "config/config.hpp"
#include "shim/drive_request.hpp"
#include "shim/jailer_request.hpp"
#include "shim/network_request.hpp"
#include "shim/vmm/balloon.hpp"

namespace ember::shim {
namespace {

Status check_machine(const VmSpec& spec) {
  if (spec.vcpus > kMaxVcpus) {
    return Status::InvalidArgument("MachineCfg.VcpuCount " + std::to_string(spec.vcpus) +
                                   " exceeds the maximum of " + std::to_string(kMaxVcpus));
  }
  if (spec.ht_enabled && spec.vcpus > 1 && spec.vcpus % 2 != 0) {
    return Status::InvalidArgument("MachineCfg.VcpuCount " + std::to_string(spec.vcpus) +
                                   " must be 1 or even when HtEnabled is set");
  }
  if (spec.memory_mib > kMaxMemoryMib) {
    return Status::InvalidArgument("MachineCfg.MemSizeMib " + std::to_string(spec.memory_mib) +
                                   " exceeds the maximum of " + std::to_string(kMaxMemoryMib));
  }
  return Status::Ok();
}

}  // namespace

Status vm_spec_from_request(const CreateVMRequest& req, const config::Config& cfg, VmSpec* out) {
  VmSpec spec;
  spec.vm_id = req.vmid();
  const auto& machine = req.machinecfg();
  spec.vcpus = machine.vcpucount() != 0 ? machine.vcpucount() : cfg.vm.vcpus;
  spec.memory_mib = machine.memsizemib() != 0 ? machine.memsizemib() : cfg.vm.memory_mib;
  spec.ht_enabled = machine.htenabled();
  spec.cpu_template = machine.cputemplate();
  Status s = check_machine(spec);
  if (!s.ok()) return s;

  if (req.containercount() < 0) {
    return Status::InvalidArgument("ContainerCount " + std::to_string(req.containercount()) +
                                   " is negative");
  }
  spec.kernel_image = !req.kernelimagepath().empty() ? req.kernelimagepath() : cfg.vm.kernel_image;
  spec.kernel_args = !req.kernelargs().empty() ? req.kernelargs() : cfg.vm.kernel_args;
  if (req.has_rootdrive()) {
    spec.root_drive = req.rootdrive().hostpath();
    spec.root_drive_writable = req.rootdrive().iswritable();
  } else {
    spec.root_drive = cfg.vm.root_drive;
  }
  s = drives_from_request(req, &spec);
  if (!s.ok()) return s;

  if (req.has_balloondevice()) {
    BalloonDevice device;
    device.amount_mib = req.balloondevice().amountmib();
    device.deflate_on_oom = req.balloondevice().deflateonoom();
    device.stats_polling_interval_s = req.balloondevice().statspollingintervals();
    s = check_balloon_device(device, spec.memory_mib);
    if (!s.ok()) return Status::InvalidArgument("BalloonDevice: " + s.message());
    spec.balloon = device;
  }
  s = network_from_request(req, &spec);
  if (s.ok()) s = jail_from_request(req, &spec);
  if (s.ok()) s = fifo_paths_from_request(req, &spec);
  if (!s.ok()) return s;
  spec.create_timeout = std::chrono::seconds(
      req.timeoutseconds() != 0 ? req.timeoutseconds() : cfg.timeouts.create_vm_seconds);
  *out = std::move(spec);
  return Status::Ok();
}

}  // namespace ember::shim
