#include "bench/scenarios/context.hpp"

#include <utility>

#include "bench/lib/progress.hpp"
#include "bench/lib/target.hpp"

namespace ember::bench {

RunLimits phase_limits(const BenchContext& ctx, size_t count, size_t concurrency) {
  RunLimits limits;
  limits.count = count;
  limits.concurrency = concurrency;
  limits.cancel = &ctx.interrupted;
  return limits;
}

RunStats run_phase(BenchContext& ctx, const std::string& label, const RunLimits& limits, Op op) {
  ctx.progress.start(label, limits.count);
  RunStats stats = run_closed_loop(ctx.target.loop(), limits, std::move(op), &ctx.progress);
  ctx.progress.finish();
  return stats;
}

Status interrupted_status() {
  return Status(Code::cancelled, "interrupted");
}

}  // namespace ember::bench
