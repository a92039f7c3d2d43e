#pragma once
// The scenarios of `emberctl bench` (docs/cli.md, docs/benchmarks.md). Each
// fills a Report and returns OK, or the first failure after reporting what
// it measured; every VM it created is stopped before it returns.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::bench {

class Target;
class Progress;
struct Report;

// What every VM a bench creates looks like; unset parts are left to the
// server's defaults (its `vm:` config section).
struct VmTemplate {
  uint32_t vcpus = 0;    // 0: unset
  uint32_t mem_mib = 0;  // 0: unset
  std::string kernel;
  std::string kernel_args;
  std::string root_drive;
  uint32_t create_timeout_seconds = 0;  // CreateVMRequest.TimeoutSeconds
};

struct BenchContext {
  Target& target;
  Progress& progress;
  const std::atomic<bool>& interrupted;
  double max_seconds = 0;  // 0: no limit on a phase's start time
  std::string id_prefix;   // VM ids are <prefix><n>
  VmTemplate vm;
};

struct LifecycleOptions {
  size_t count = 200;
  size_t concurrency = 16;
};
Status run_lifecycle(BenchContext& ctx, const LifecycleOptions& o, Report* out);

struct RpcOptions {
  size_t vms = 10;
  size_t calls = 10000;  // per method, level and path
  size_t warmup = 500;   // per method, level and path, not recorded
  std::vector<size_t> in_flight = {1, 16, 64};
  std::vector<std::string> methods = {"GetVMInfo", "GetVMMetadata"};
  // emberd: VM 0 through emberd; shim: VM 0's fccontrol socket; emberd-all:
  // through emberd, all VMs in turn (needs vms > 1).
  std::vector<std::string> paths = {"emberd", "shim", "emberd-all"};
};
Status run_rpc(BenchContext& ctx, const RpcOptions& o, Report* out);

struct StopLatencyOptions {
  size_t count = 100;
  size_t concurrency = 1;
};
Status run_stop_latency(BenchContext& ctx, const StopLatencyOptions& o, Report* out);

struct ScaleOptions {
  size_t vms = 1000;
  size_t concurrency = 64;
  size_t samples = 20;      // emberd RSS/fd samples during the ramp up
  double hold_seconds = 0;  // time all VMs stay alive before the stop
};
Status run_scale(BenchContext& ctx, const ScaleOptions& o, Report* out);

struct BootOptions {
  size_t vms = 10;
  size_t concurrency = 0;  // 0: all at once
  std::string ready_file = "guest-ready";
  std::string ready_marker;  // "": the file's existence; else a text in it
  double ready_timeout_seconds = 300;
};
Status run_boot(BenchContext& ctx, const BootOptions& o, Report* out);

}  // namespace ember::bench
