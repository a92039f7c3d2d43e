// bench lifecycle: N VMs created and stopped, C cycles in flight.
#include <memory>

#include "cmd/emberctl/bench_fleet.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"

namespace ember::bench {

Status run_lifecycle(BenchContext& ctx, const LifecycleOptions& o, Report* out) {
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.count);
  Samples create_lat, stop_lat, cycle_lat;
  create_lat.reserve(o.count);
  stop_lat.reserve(o.count);
  cycle_lat.reserve(o.count);

  RunLimits limits;
  limits.count = o.count;
  limits.concurrency = o.concurrency;
  limits.cancel = &ctx.interrupted;
  if (ctx.max_seconds > 0) {
    limits.start_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(ctx.max_seconds));
  }
  ctx.progress.start("lifecycle", o.count);
  // Samples are touched on the loop thread only while the run lasts.
  RunStats run = run_closed_loop(
      ctx.target.loop(), limits,
      [&](size_t i, Finish finish) {
        const auto began = Clock::now();
        fleet.create(i, [&, i, began, finish](const Status& s, std::chrono::nanoseconds took) {
          if (!s.ok()) return finish(s);
          create_lat.add(took);
          fleet.stop(i, [&, began, finish](const Status& s2, std::chrono::nanoseconds took2) {
            if (s2.ok()) {
              stop_lat.add(took2);
              cycle_lat.add(began, Clock::now());
            }
            finish(s2);
          });
        });
      },
      &ctx.progress);
  ctx.progress.finish();

  const double secs = run.seconds();
  auto& j = out->json;
  j["scenario"] = "lifecycle";
  j["params"] = {{"count", o.count}, {"concurrency", o.concurrency}};
  j["cycles"] = {{"requested", run.requested},
                 {"started", run.started},
                 {"completed", run.succeeded},
                 {"failed", run.failed}};
  j["create_us"] = to_json(create_lat.summarize());
  j["stop_us"] = to_json(stop_lat.summarize());
  j["cycle_us"] = to_json(cycle_lat.summarize());
  j["seconds"] = secs;
  j["cycles_per_second"] = rate(run.succeeded, secs);
  j["errors"] = run.errors.to_json();

  ReportTable t;
  t.title = "lifecycle: " + format_number(static_cast<double>(run.succeeded)) + " of " +
            format_number(static_cast<double>(o.count)) + " create+stop cycles, " +
            std::to_string(o.concurrency) + " in flight, " + format_number(secs, 2) + " s, " +
            format_number(rate(run.succeeded, secs), 1) + " cycles/s";
  t.columns = latency_columns("call");
  t.rows.push_back(latency_row("CreateVM", create_lat.summarize()));
  t.rows.push_back(latency_row("StopVM", stop_lat.summarize()));
  t.rows.push_back(latency_row("cycle", cycle_lat.summarize()));
  out->tables.push_back(std::move(t));
  if (run.failed > 0) {
    out->notes.push_back(format_number(static_cast<double>(run.failed)) +
                         " cycle(s) failed; first: " + run.errors.first().ToString());
  }
  if (run.cut_short)
    out->notes.push_back("stopped early: only " + std::to_string(run.started) +
                         " cycle(s) started");

  if (run.failed > 0) return run.errors.first();
  if (run.cut_short && ctx.interrupted.load()) return Status(Code::cancelled, "interrupted");
  return Status::Ok();
}

}  // namespace ember::bench
