#pragma once
// bench scale: V VMs alive at once. Time to create them all, emberd's RSS and
// open fds on the way up and while they live, time to stop them all, and
// emberd's RSS and fds afterwards.
#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "base/status.hpp"
#include "bench/lib/error_tally.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::scale {

struct Options {
  size_t vms = 1000;
  size_t concurrency = 64;
  size_t samples = 20;      // emberd RSS/fd samples during the ramp up
  double hold_seconds = 0;  // time all VMs stay alive before the stop
};

// emberd's memory and fds with `vms` VMs alive.
struct Probe {
  size_t vms = 0;
  long rss_kib = -1;  // -1: unknown
  long fds = -1;
};

struct Result {
  Status status;  // the first failed call, or CANCELLED after Ctrl-C
  bool measured = false;
  pid_t emberd_pid = 0;  // 0: unknown (no probes)
  RunStats created, stopped;
  Summary create_latency, stop_latency;
  Probe before, alive, held, after;
  std::vector<Probe> ramp;  // every vms/samples VMs on the way up
  ErrorTally errors;        // of both phases
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::scale
