// bench stop-latency: the report of a measurement.
#include "bench/lib/format.hpp"
#include "bench/scenarios/stop_latency.hpp"

namespace ember::bench::stop_latency {

Report report(const Options& o, const Result& r) {
  const RunStats& run = r.stops;
  Report out;
  auto& j = out.json;
  j["scenario"] = "stop-latency";
  j["params"] = {{"count", o.count}, {"concurrency", o.concurrency}};
  j["stops"] = {{"requested", run.requested},
                {"started", run.started},
                {"completed", run.succeeded},
                {"forced", r.forced},
                {"failed", run.failed}};
  j["exit_to_reply_us"] = to_json(r.exit_to_reply);
  j["stop_to_exit_us"] = to_json(r.stop_to_exit);
  j["stop_call_us"] = to_json(r.stop_call);
  j["reply_before_exit"] = r.reply_first;
  j["errors"] = run.errors.to_json();

  ReportTable t;
  t.title = "stop-latency: " + std::to_string(run.succeeded) + " of " + std::to_string(o.count) +
            " stops timed, " + std::to_string(o.concurrency) + " in flight";
  t.columns = latency_columns("interval");
  t.rows.push_back(latency_row("shim exit -> StopVM reply", r.exit_to_reply));
  t.rows.push_back(latency_row("StopVM sent -> shim exit", r.stop_to_exit));
  t.rows.push_back(latency_row("StopVM sent -> reply", r.stop_call));
  out.tables.push_back(std::move(t));
  out.notes.push_back(
      "exit: the shim's pidfd became readable (a thread blocked in epoll); "
      "reply: the StopVM reply reached this client. Both CLOCK_MONOTONIC.");
  if (r.forced > 0) {
    out.notes.push_back(std::to_string(r.forced) +
                        " stop(s) had to kill the VM (\"forcefully terminated\"): counted as "
                        "completed, not timed");
  }
  if (r.reply_first > 0) {
    out.notes.push_back(std::to_string(r.reply_first) +
                        " StopVM reply(s) arrived before the exit was seen: the two watching "
                        "threads woke in the other order (negative samples)");
  }
  if (run.failed > 0) {
    out.notes.push_back(std::to_string(run.failed) +
                        " stop(s) failed; first: " + run.errors.first().ToString());
  }
  return out;
}

}  // namespace ember::bench::stop_latency
