#pragma once
// bench stop-latency: how long after the shim's exit emberd's StopVM reply
// arrives, measured from outside: a pidfd on the shim (pid from its VM
// directory's shim-state.json) watched by a thread of its own (ExitClock),
// and the reply's arrival on the client's loop, both on CLOCK_MONOTONIC.
#include <cstddef>

#include "base/status.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::stop_latency {

struct Options {
  size_t count = 100;
  size_t concurrency = 1;
};

struct Result {
  Status status;          // the first failed stop, or CANCELLED after Ctrl-C
  bool measured = false;  // false: the exit clock could not start
  RunStats stops;
  Summary exit_to_reply;   // the headline: reply time - exit time
  Summary stop_to_exit;    // StopVM sent -> shim exit seen
  Summary stop_call;       // StopVM sent -> reply
  size_t reply_first = 0;  // replies seen before the exit (the watching threads' order)
  size_t forced = 0;       // stops that had to kill the VM: completed, not timed
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::stop_latency
