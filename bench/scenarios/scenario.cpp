#include "bench/scenarios/scenario.hpp"

#include <unistd.h>

#include "bench/lib/interrupts.hpp"
#include "bench/lib/progress.hpp"

namespace ember::bench {

Outcome run_scenario(const RunSettings& settings, const std::string& name,
                     const Scenario& scenario) {
  // Before any thread exists, so they all inherit the blocked signals.
  Interrupts interrupts;
  std::unique_ptr<Target> target;
  Status s = Target::open(settings.target, &target);
  if (!s.ok()) return {s, std::nullopt};
  s = interrupts.watch(target->loop());
  if (!s.ok()) return {s, std::nullopt};
  Progress progress = Progress::for_stderr();
  BenchContext ctx{*target,
                   progress,
                   interrupts.requested(),
                   settings.max_seconds,
                   "bench-" + name + "-" + std::to_string(::getpid()) + "-",
                   settings.vm};
  Outcome out = scenario(ctx);
  progress.finish();
  if (out.report) {
    auto& j = out.report->json;
    j["namespace"] = target->ns();
    j["emberd_address"] = target->address();
    j["emberd_pid"] = target->emberd_pid() > 0 ? nlohmann::ordered_json(target->emberd_pid())
                                               : nlohmann::ordered_json(nullptr);
  }
  return out;
}

}  // namespace ember::bench
