// canonical_dump: equal configs give equal text, and every setting shows in it.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "config/config.hpp"

namespace ember::config {
namespace {

TEST(CanonicalDumpTest, EqualConfigsGiveEqualTextWhateverTheirSource) {
  Config a = defaults_for(0, nullptr);
  Config b = defaults_for(0, nullptr);
  b.source = "/etc/ember/ember.yaml";
  EXPECT_EQ(canonical_dump(a), canonical_dump(b));
  EXPECT_NE(canonical_dump(a).find("journal.max_files=4\n"), std::string::npos);
}

TEST(CanonicalDumpTest, EverySettingChangesTheText) {
  const std::vector<std::function<void(Config&)>> changes = {
      [](Config& c) { c.socket += "x"; },
      [](Config& c) { c.state_dir += "x"; },
      [](Config& c) { c.shim_base_dir += "x"; },
      [](Config& c) { c.containerd_address += "x"; },
      [](Config& c) { c.shim_binary += "x"; },
      [](Config& c) { c.stop_vms_on_exit = !c.stop_vms_on_exit; },
      [](Config& c) { c.vmm.backend = Backend::hollow; },
      [](Config& c) { c.vmm.qemu_binary += "x"; },
      [](Config& c) { c.vmm.firecracker_binary += "x"; },
      [](Config& c) { c.vm.kernel_image += "x"; },
      [](Config& c) { c.vm.kernel_args += "x"; },
      [](Config& c) { c.vm.root_drive += "x"; },
      [](Config& c) { ++c.vm.vcpus; },
      [](Config& c) { ++c.vm.memory_mib; },
      [](Config& c) { ++c.vm.boot_timeout_seconds; },
      [](Config& c) { ++c.limits.max_vms; },
      [](Config& c) { ++c.limits.max_concurrent_creates; },
      [](Config& c) { ++c.limits.connection.max_in_flight; },
      [](Config& c) { ++c.limits.connection.max_queued_reply_bytes; },
      [](Config& c) { ++c.limits.connection.max_request_bytes; },
      [](Config& c) { ++c.limits.connection.requests_per_turn; },
      [](Config& c) { c.limits.connection.share_in_flight = false; },
      [](Config& c) { ++c.limits.max_buffered_request_bytes; },
      [](Config& c) { ++c.timeouts.create_vm_seconds; },
      [](Config& c) { ++c.timeouts.stop_vm_seconds; },
      [](Config& c) { ++c.timeouts.call_wait_seconds; },
      [](Config& c) { ++c.timeouts.call_seconds; },
      [](Config& c) { c.log.level = "debug"; },
      [](Config& c) { c.log.format = LogFormat::json; },
      [](Config& c) { c.journal.path = "/j"; },
      [](Config& c) { ++c.journal.max_bytes; },
      [](Config& c) { ++c.journal.max_files; },
      [](Config& c) { c.metrics.listen = "127.0.0.1:9464"; },
      [](Config& c) { c.tombstones.dir = "/t"; },
      [](Config& c) { ++c.tombstones.max_per_namespace; },
      [](Config& c) { ++c.tombstones.max_bytes; },
      [](Config& c) { ++c.tombstones.console_tail_bytes; },
      [](Config& c) { c.fleet.role = FleetRole::member; },
      [](Config& c) { c.fleet.name = "m1"; },
      [](Config& c) { c.fleet.listen = "127.0.0.1:7100"; },
      [](Config& c) {
        c.fleet.members.push_back({"m1", "127.0.0.1:7100"});
      },
      [](Config& c) { c.fleet.tls.ca = "/ca.pem"; },
      [](Config& c) { c.fleet.tls.cert = "/m1.pem"; },
      [](Config& c) { c.fleet.tls.key = "/m1.key"; },
      [](Config& c) { ++c.fleet.report_interval_ms; },
      [](Config& c) { ++c.fleet.member_timeout_ms; },
  };
  const Config base = defaults_for(0, nullptr);
  for (size_t i = 0; i < changes.size(); ++i) {
    Config changed = base;
    changes[i](changed);
    EXPECT_NE(canonical_dump(changed), canonical_dump(base)) << "change " << i;
  }
}

}  // namespace
}  // namespace ember::config
