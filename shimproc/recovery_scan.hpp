#pragma once
// Recovery after an emberd restart or crash: find the shims that kept running
// (their VM directories hold shim-state.json) of VMs that were created, kill
// those of VMs whose CreateVM never completed (vm_creation.hpp), and clear
// what they and dead shims left. No live shim is left unaccounted for.
#include <string>
#include <vector>

#include "shimproc/shim_state.hpp"

namespace ember::config {
struct Config;
}

namespace ember::shimproc {

struct FoundShim {
  std::string ns;
  std::string id;
  ShimState state;
};

struct RecoveryScan {
  std::vector<FoundShim> live;  // running shims of created VMs, to be adopted
  int killed_shims = 0;         // running shims of VMs never created, killed
  int removed_dirs = 0;         // VM dirs of shims that are gone or were killed
  int removed_sockets = 0;      // socket files nobody serves
};

// Reads every <ns>#<id> entry of cfg.shim_base_dir. A shim counts as live
// when its recorded pid runs with the recorded start time (no pid reuse).
// Entries that are not VM directories of ours are left alone. Blocking: a
// killed shim is waited for.
RecoveryScan scan_for_shims(const config::Config& cfg);

}  // namespace ember::shimproc
