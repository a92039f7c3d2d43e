#pragma once
// bench rpc: read-only calls at several depths, through emberd and straight
// to one shim's fccontrol socket, side by side: the difference is what
// emberd adds per forwarded call.
#include <cstddef>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "bench/lib/error_tally.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/shim_info.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::rpc {

struct Options {
  size_t vms = 10;
  size_t calls = 10000;  // per method, level and path
  size_t warmup = 500;   // per method, level and path, not recorded
  std::vector<size_t> in_flight = {1, 16, 64};
  std::vector<std::string> methods = {"GetVMInfo", "GetVMMetadata"};
  // emberd: VM 0 through emberd; shim: VM 0's fccontrol socket; emberd-all:
  // through emberd, all VMs in turn (needs vms > 1).
  std::vector<std::string> paths = {"emberd", "shim", "emberd-all"};
};

// The calls of one method at one depth on one path.
struct Series {
  std::string method;
  size_t in_flight = 0;
  std::string path;  // "emberd", "shim" or "emberd-all"
  RunStats run;
  Summary latency;
};

struct Result {
  Status status;  // the first failure, or CANCELLED after Ctrl-C
  // false: the VMs could not all be created, or VM 0's shim not reached.
  bool measured = false;
  size_t vms_created = 0;
  std::string shim_vm;  // the VM whose shim the "shim" path calls
  ShimInfo shim;
  std::vector<Series> series;  // by method, then depth, then path
  ErrorTally errors;           // of all series
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::rpc
