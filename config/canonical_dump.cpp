// canonical_dump: the effective configuration as text, for the journal's
// config digest. A new setting must be added here too (the test that sets
// every key checks that each one changes the dump).
#include <sstream>

#include "config/config.hpp"

namespace ember::config {

std::string canonical_dump(const Config& c) {
  std::ostringstream o;
  o << "socket=" << c.socket << "\n"
    << "state_dir=" << c.state_dir << "\n"
    << "shim_base_dir=" << c.shim_base_dir << "\n"
    << "containerd_address=" << c.containerd_address << "\n"
    << "shim_binary=" << c.shim_binary << "\n"
    << "stop_vms_on_exit=" << (c.stop_vms_on_exit ? "true" : "false") << "\n"
    << "vmm.backend=" << to_string(c.vmm.backend) << "\n"
    << "vmm.qemu_binary=" << c.vmm.qemu_binary << "\n"
    << "vmm.firecracker_binary=" << c.vmm.firecracker_binary << "\n"
    << "vm.kernel_image=" << c.vm.kernel_image << "\n"
    << "vm.kernel_args=" << c.vm.kernel_args << "\n"
    << "vm.root_drive=" << c.vm.root_drive << "\n"
    << "vm.vcpus=" << c.vm.vcpus << "\n"
    << "vm.memory_mib=" << c.vm.memory_mib << "\n"
    << "vm.boot_timeout_seconds=" << c.vm.boot_timeout_seconds << "\n"
    << "limits.max_vms=" << c.limits.max_vms << "\n"
    << "limits.max_concurrent_creates=" << c.limits.max_concurrent_creates << "\n"
    << "limits.connection.max_in_flight=" << c.limits.connection.max_in_flight << "\n"
    << "limits.connection.max_queued_reply_bytes=" << c.limits.connection.max_queued_reply_bytes
    << "\n"
    << "limits.connection.max_request_bytes=" << c.limits.connection.max_request_bytes << "\n"
    << "limits.connection.requests_per_turn=" << c.limits.connection.requests_per_turn << "\n"
    << "limits.connection.share_in_flight=" << c.limits.connection.share_in_flight << "\n"
    << "limits.max_buffered_request_bytes=" << c.limits.max_buffered_request_bytes << "\n"
    << "timeouts.create_vm_seconds=" << c.timeouts.create_vm_seconds << "\n"
    << "timeouts.stop_vm_seconds=" << c.timeouts.stop_vm_seconds << "\n"
    << "timeouts.call_wait_seconds=" << c.timeouts.call_wait_seconds << "\n"
    << "timeouts.call_seconds=" << c.timeouts.call_seconds << "\n"
    << "log.level=" << c.log.level << "\n"
    << "log.format=" << to_string(c.log.format) << "\n"
    << "journal.path=" << c.journal.path << "\n"
    << "journal.max_bytes=" << c.journal.max_bytes << "\n"
    << "journal.max_files=" << c.journal.max_files << "\n"
    << "metrics.listen=" << c.metrics.listen << "\n"
    << "tombstones.dir=" << c.tombstones.dir << "\n"
    << "tombstones.max_per_namespace=" << c.tombstones.max_per_namespace << "\n"
    << "tombstones.max_bytes=" << c.tombstones.max_bytes << "\n"
    << "tombstones.console_tail_bytes=" << c.tombstones.console_tail_bytes << "\n"
    << "fleet.role=" << to_string(c.fleet.role) << "\n"
    << "fleet.name=" << c.fleet.name << "\n"
    << "fleet.listen=" << c.fleet.listen << "\n";
  for (size_t i = 0; i < c.fleet.members.size(); ++i)
    o << "fleet.members[" << i << "]=" << c.fleet.members[i].name << " "
      << c.fleet.members[i].address << "\n";
  o << "fleet.tls.ca=" << c.fleet.tls.ca << "\n"
    << "fleet.tls.cert=" << c.fleet.tls.cert << "\n"
    << "fleet.tls.key=" << c.fleet.tls.key << "\n"
    << "fleet.report_interval_ms=" << c.fleet.report_interval_ms << "\n"
    << "fleet.member_timeout_ms=" << c.fleet.member_timeout_ms << "\n";
  return o.str();
}

}  // namespace ember::config
