// bench lifecycle: the measurement (lifecycle_report.cpp prints it).
#include "bench/scenarios/lifecycle.hpp"

#include "bench/lib/backend_probe.hpp"
#include "bench/lib/fleet.hpp"
#include "messages/stop_status.hpp"

namespace ember::bench::lifecycle {

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  r.status = require_hollow(ctx.target, ctx.id_prefix, ctx.vm, "lifecycle");
  if (!r.status.ok()) return r;
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.count);
  Samples create_lat, stop_lat, cycle_lat;
  create_lat.reserve(o.count);
  stop_lat.reserve(o.count);
  cycle_lat.reserve(o.count);

  RunLimits limits = phase_limits(ctx, o.count, o.concurrency);
  if (ctx.max_seconds > 0) {
    limits.start_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(ctx.max_seconds));
  }
  // Samples are touched on the loop thread only while the run lasts.
  r.cycles = run_phase(ctx, "lifecycle", limits, [&](size_t i, Finish finish) {
    const auto began = Clock::now();
    fleet.create(i, [&, i, began, finish](const Status& s, std::chrono::nanoseconds took) {
      if (!s.ok()) return finish(s);
      create_lat.add(took);
      fleet.stop(i, [&, began, finish](const Status& s2, std::chrono::nanoseconds took2) {
        if (s2.ok()) {
          stop_lat.add(took2);
          cycle_lat.add(began, Clock::now());
        } else if (msg::is_forced_stop(s2)) {
          ++r.forced_stops;  // the VM is gone: a completed cycle, timed apart
          return finish(Status::Ok());
        }
        finish(s2);
      });
    });
  });
  r.measured = true;
  r.create = create_lat.summarize();
  r.stop = stop_lat.summarize();
  r.cycle = cycle_lat.summarize();
  if (r.cycles.failed > 0) {
    r.status = r.cycles.errors.first();
  } else if (r.cycles.cut_short && ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::lifecycle
