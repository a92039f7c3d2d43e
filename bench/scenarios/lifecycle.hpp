#pragma once
// bench lifecycle: N VMs created and stopped, C cycles in flight.
#include <cstddef>

#include "base/status.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::lifecycle {

struct Options {
  size_t count = 200;
  size_t concurrency = 16;
};

struct Result {
  Status status;  // the first failed cycle, or CANCELLED after Ctrl-C
  bool measured = false;
  RunStats cycles;
  Summary create;           // CreateVM calls
  Summary stop;             // StopVM calls
  Summary cycle;            // create sent -> stop replied
  size_t forced_stops = 0;  // completed, but the VM had to be killed: not in stop/cycle
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::lifecycle
