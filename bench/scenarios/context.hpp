#pragma once
// What every scenario of `emberctl bench` runs with (docs/cli.md,
// docs/benchmarks.md), and the phase helpers they share. A scenario's
// measure() returns its result (every VM it created is stopped by then); its
// report() turns that result into the printed Report.
#include <atomic>
#include <cstddef>
#include <string>

#include "base/status.hpp"
#include "bench/lib/fleet.hpp"
#include "bench/lib/runner.hpp"

namespace ember::bench {

class Target;
class Progress;

struct BenchContext {
  Target& target;
  Progress& progress;
  const std::atomic<bool>& interrupted;
  double max_seconds = 0;  // 0: no limit on a phase's start time
  std::string id_prefix;   // VM ids are <prefix><n>
  VmTemplate vm;
};

// count operations, concurrency in flight, none started after Ctrl-C.
RunLimits phase_limits(const BenchContext& ctx, size_t count, size_t concurrency);

// One phase on the target's loop with a progress line named label.
RunStats run_phase(BenchContext& ctx, const std::string& label, const RunLimits& limits, Op op);

// The outcome of a run cut short by Ctrl-C.
Status interrupted_status();

}  // namespace ember::bench
