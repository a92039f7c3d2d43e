#pragma once
// One run of a scenario against emberd: open the target, watch for Ctrl-C,
// measure, and hand back the report (printing is the caller's).
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "bench/lib/fleet.hpp"
#include "bench/lib/report.hpp"
#include "bench/lib/target.hpp"
#include "bench/scenarios/context.hpp"

namespace ember::bench {

// Settings of every scenario (emberctl's global and `bench` options).
struct RunSettings {
  TargetOptions target;
  double max_seconds = 0;  // --max-seconds; 0: no limit
  VmTemplate vm;
};

struct Outcome {
  Status status;                 // OK, or the first failure
  std::optional<Report> report;  // none: it failed before measuring anything
};

using Scenario = std::function<Outcome(BenchContext&)>;

// A scenario from its options and its two functions: measure() returns a
// Result with `status` and `measured`; report() prints nothing, it builds the
// Report. The options are read when the scenario runs (after parsing).
template <typename Options, typename Result>
Scenario make_scenario(std::shared_ptr<Options> options,
                       Result (*measure)(BenchContext&, const Options&),
                       Report (*report)(const Options&, const Result&)) {
  return [options, measure, report](BenchContext& ctx) {
    const Result result = measure(ctx, *options);
    Outcome out{result.status, std::nullopt};
    if (result.measured) out.report = report(*options, result);
    return out;
  };
}

// Runs scenario `name` (VM ids "bench-<name>-<pid>-<n>"). Blocks SIGINT and
// SIGTERM in the calling thread first (see Interrupts): call it before any
// other thread exists. The report ends with the target's namespace, address
// and pid.
Outcome run_scenario(const RunSettings& settings, const std::string& name,
                     const Scenario& scenario);

}  // namespace ember::bench
