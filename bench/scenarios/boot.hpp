#pragma once
// bench boot: V real VMs created at once, each timed until its guest's ready
// marker appears in its VM directory (docs/benchmarks.md has the contract).
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "base/status.hpp"
#include "bench/lib/error_tally.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::boot {

struct Options {
  size_t vms = 10;
  size_t concurrency = 0;  // 0: all at once
  std::string ready_file = "guest-ready";
  std::string ready_marker;  // "": the file's existence; else a text in it
  double ready_timeout_seconds = 300;
};

struct Result {
  Status status;           // the first failure, or CANCELLED after Ctrl-C
  bool measured = false;   // false: the file waiter could not start
  size_t concurrency = 0;  // creates in flight (Options::concurrency resolved)
  RunStats booted;         // create + wait until ready
  RunStats stopped;
  Summary create;     // CreateVM calls
  Summary ready;      // CreateVM sent -> ready marker seen
  Summary stop;       // StopVM calls
  ErrorTally errors;  // of both phases
  // emberd's CPU (user + system) from the first create until every guest was
  // ready or failed; -1 when its pid or /proc/<pid>/stat is unknown.
  double emberd_cpu_seconds = -1;
  std::string load_before, load_after;  // /proc/loadavg around that phase
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::boot
