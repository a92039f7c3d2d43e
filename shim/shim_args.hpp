#pragma once
// ember-shim's command line, containerd shim style (Go flag syntax): each flag
// as -name or --name, its value as the next argument or after '='.
//   -namespace <ns>   (required)
//   -address <containerd address>
//   -id <vm id>       optional: the VM id is FIRECRACKER_VM_ID's, as the
//                     seed launches its shim; if given, the two must match
//   -config <path>    YAML config (else $EMBER_CONFIG, else the defaults)
//   -debug            log at debug level
//   -help
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::shim {

struct ShimArgs {
  std::string ns;
  std::string id;           // "" until the launch is taken (shim/launch.hpp)
  std::string address;      // "": the config's containerd_address
  std::string config_path;  // "": config::resolve's fallbacks
  bool debug = false;
  bool help = false;
};

// INVALID_ARGUMENT naming the offending argument: unknown flags, a missing
// value, positional arguments, or -namespace absent (unless -help).
Status parse_shim_args(const std::vector<std::string>& argv, ShimArgs* out);

// One usage line per flag, for -help and errors.
const char* shim_usage();

}  // namespace ember::shim
