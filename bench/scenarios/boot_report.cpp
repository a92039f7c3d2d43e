// bench boot: the report of a measurement.
#include "bench/lib/format.hpp"
#include "bench/scenarios/boot.hpp"

namespace ember::bench::boot {

Report report(const Options& o, const Result& r) {
  Report out;
  auto& j = out.json;
  j["scenario"] = "boot";
  j["params"] = {{"vms", o.vms},
                 {"concurrency", r.concurrency},
                 {"ready_file", o.ready_file},
                 {"ready_marker", o.ready_marker},
                 {"ready_timeout_seconds", o.ready_timeout_seconds}};
  j["vms"] = {{"requested", o.vms},
              {"started", r.booted.started},
              {"ready", r.booted.succeeded},
              {"failed", r.booted.failed},
              {"stopped", r.stopped.succeeded}};
  j["create_us"] = to_json(r.create);
  j["ready_us"] = to_json(r.ready);
  j["all_ready_seconds"] = r.booted.seconds();
  j["stop_us"] = to_json(r.stop);
  const bool cpu_known = r.emberd_cpu_seconds >= 0;
  j["emberd_cpu_seconds"] = cpu_known ? nlohmann::ordered_json(r.emberd_cpu_seconds) : nullptr;
  j["load_average"] = {{"before", r.load_before}, {"after", r.load_after}};
  j["errors"] = r.errors.to_json();

  ReportTable t;
  // "all ready" only when every guest was.
  const std::string outcome =
      r.booted.succeeded == o.vms
          ? "all ready in " + format_number(r.booted.seconds(), 2) + " s"
          : (r.booted.succeeded == 0 ? std::string("none ready")
                                     : std::to_string(o.vms - r.booted.succeeded) + " not ready") +
                " after " + format_number(r.booted.seconds(), 2) + " s";
  t.title = "boot: " + std::to_string(r.booted.succeeded) + " of " + std::to_string(o.vms) +
            " guests ready, " + std::to_string(r.concurrency) + " created at once, " + outcome;
  t.columns = latency_columns("interval");
  t.rows.push_back(latency_row("CreateVM call", r.create));
  t.rows.push_back(latency_row("CreateVM sent -> " + o.ready_file, r.ready));
  t.rows.push_back(latency_row("StopVM call", r.stop));
  out.tables.push_back(std::move(t));
  out.notes.push_back("emberd CPU during the boot: " +
                      (cpu_known ? format_number(r.emberd_cpu_seconds, 3) + " s" : "unknown") +
                      "; load average before " + r.load_before + ", after " + r.load_after);
  if (r.errors.total() > 0) {
    out.notes.push_back(std::to_string(r.errors.total()) +
                        " failure(s); first: " + r.errors.first().ToString());
  }
  return out;
}

}  // namespace ember::bench::boot
