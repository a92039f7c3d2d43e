#pragma once
// Recovery after an emberd restart or crash: find the shims that kept running
// (their VM directories hold shim-state.json), and clear what dead shims left.
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
  std::vector<FoundShim> live;  // running shims, to be adopted
  int removed_dirs = 0;         // VM dirs of shims that are gone
  int removed_sockets = 0;      // socket files nobody serves
};

// Reads every <ns>#<id> entry of cfg.shim_base_dir. A shim counts as live
// when its recorded pid runs with the recorded start time (no pid reuse).
// Entries that are not VM directories of ours are left alone.
RecoveryScan scan_for_shims(const config::Config& cfg);

}  // namespace ember::shimproc
