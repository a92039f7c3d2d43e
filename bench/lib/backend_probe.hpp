#pragma once
// Which VMM backend emberd runs. The control-plane scenarios (lifecycle,
// stop-latency) time calls, not guests: on a backend whose guests boot for
// seconds they would time the boot, so they refuse it.
#include <string>

#include "base/status.hpp"
#include "bench/lib/fleet.hpp"

namespace ember::bench {

// Creates one VM from vm (id "<id_prefix>0"), reads its Backend from
// emberd's inventory (ember.v1.Inventory/ListVMs) and stops it. Blocking:
// not on the target's loop thread.
Status probe_backend(Target& target, const std::string& id_prefix, const VmTemplate& vm,
                     std::string* backend);

// OK when emberd runs hollow VMs (probed as VM "<id_prefix>probe0"); else FAILED_PRECONDITION
// naming scenario and the backend, and saying what to use instead.
Status require_hollow(Target& target, const std::string& id_prefix, const VmTemplate& vm,
                      const char* scenario);

}  // namespace ember::bench
