// bench lifecycle: the report of a measurement.
#include "bench/lib/format.hpp"
#include "bench/scenarios/lifecycle.hpp"

namespace ember::bench::lifecycle {

Report report(const Options& o, const Result& r) {
  const RunStats& run = r.cycles;
  const double secs = run.seconds();
  Report out;
  auto& j = out.json;
  j["scenario"] = "lifecycle";
  j["params"] = {{"count", o.count}, {"concurrency", o.concurrency}};
  j["cycles"] = {{"requested", run.requested},
                 {"started", run.started},
                 {"completed", run.succeeded},
                 {"forced_stops", r.forced_stops},
                 {"failed", run.failed}};
  j["create_us"] = to_json(r.create);
  j["stop_us"] = to_json(r.stop);
  j["cycle_us"] = to_json(r.cycle);
  j["seconds"] = secs;
  j["cycles_per_second"] = rate(run.succeeded, secs);
  j["errors"] = run.errors.to_json();

  ReportTable t;
  t.title = "lifecycle: " + format_number(static_cast<double>(run.succeeded)) + " of " +
            format_number(static_cast<double>(o.count)) + " create+stop cycles, " +
            std::to_string(o.concurrency) + " in flight, " + format_number(secs, 2) + " s, " +
            format_number(rate(run.succeeded, secs), 1) + " cycles/s";
  t.columns = latency_columns("call");
  t.rows.push_back(latency_row("CreateVM", r.create));
  t.rows.push_back(latency_row("StopVM", r.stop));
  t.rows.push_back(latency_row("cycle", r.cycle));
  out.tables.push_back(std::move(t));
  if (run.failed > 0) {
    out.notes.push_back(format_number(static_cast<double>(run.failed)) +
                        " cycle(s) failed; first: " + run.errors.first().ToString());
  }
  if (r.forced_stops > 0) {
    out.notes.push_back(format_number(static_cast<double>(r.forced_stops)) +
                        " stop(s) had to kill the VM (\"forcefully terminated\"): counted as "
                        "completed, left out of the StopVM and cycle rows");
  }
  if (run.cut_short)
    out.notes.push_back("stopped early: only " + std::to_string(run.started) + " cycle(s) started");
  return out;
}

}  // namespace ember::bench::lifecycle
