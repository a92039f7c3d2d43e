#pragma once
// bench flood: the latency of well-behaved clients (GetVMInfo, one call in
// flight per connection) unloaded, then while one hostile client floods
// emberd on its own connection: pipelining without ever reading a reply, and
// pipelining as fast as it can while reading them. With emberd's RSS and fds
// before and after each flood (docs/reliability.md, "Limits and deadlines").
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "bench/lib/error_tally.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/runner.hpp"
#include "bench/lib/stats.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench::flood {

struct Options {
  size_t clients = 4;   // well-behaved connections, one call in flight each
  size_t calls = 5000;  // measured calls per phase, over all of them
  size_t warmup = 500;  // unmeasured calls before the first phase
  std::vector<std::string> floods = {"unread", "fast"};
};

// emberd's memory and fds at one point.
struct Probe {
  long rss_kib = -1;  // -1: unknown
  long fds = -1;
};

// The well-behaved clients' calls in one phase.
struct Phase {
  std::string name;  // "unloaded", or the flood: "unread", "fast"
  RunStats run;
  Summary latency;
  uint64_t flood_sent = 0;      // frames the flooder wrote meanwhile
  uint64_t flood_answered = 0;  // replies it read ("fast")
  double flood_seconds = 0;     // from its start to its stop
  Probe before, during, after;  // emberd: before the flood, at its end, after it closed
};

struct Result {
  Status status;  // the first failure, or CANCELLED after Ctrl-C
  bool measured = false;
  std::string vm;        // the well-behaved clients' VM
  std::string flood_vm;  // the flooder's
  std::vector<Phase> phases;
  std::string load_before, load_after;
  ErrorTally errors;
};

Result measure(BenchContext& ctx, const Options& o);
Report report(const Options& o, const Result& r);

}  // namespace ember::bench::flood
