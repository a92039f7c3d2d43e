// bench flood: the report of a measurement.
#include <cmath>
#include <string>

#include "bench/lib/format.hpp"
#include "bench/scenarios/flood.hpp"

namespace ember::bench::flood {
namespace {

nlohmann::ordered_json or_null(long v) {
  return v < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

nlohmann::ordered_json probe_json(const Probe& p) {
  return {{"rss_kib", or_null(p.rss_kib)}, {"fds", or_null(p.fds)}};
}

std::string show_probe(const Probe& p) {
  return (p.rss_kib < 0 ? "?" : format_kib(p.rss_kib)) + " / " +
         (p.fds < 0 ? "?" : format_number(static_cast<double>(p.fds)));
}

// p99 of a phase over the unloaded p99; 0 when either is missing.
double p99_ratio(const Phase& ph, const Phase& unloaded) {
  if (unloaded.latency.p99_us <= 0 || ph.latency.count == 0) return 0;
  return std::round(ph.latency.p99_us / unloaded.latency.p99_us * 100) / 100;
}

nlohmann::ordered_json phase_json(const Phase& ph, const Phase& unloaded) {
  return {{"flood", ph.name},
          {"calls", ph.run.succeeded},
          {"failed", ph.run.failed},
          {"latency_us", to_json(ph.latency)},
          {"p99_over_unloaded", p99_ratio(ph, unloaded)},
          {"calls_per_second", rate(ph.run.succeeded, ph.run.seconds())},
          {"flood_sent", ph.flood_sent},
          {"flood_answered", ph.flood_answered},
          {"flood_seconds", ph.flood_seconds},
          {"emberd",
           {{"before", probe_json(ph.before)},
            {"during", probe_json(ph.during)},
            {"after", probe_json(ph.after)}}}};
}

std::vector<std::string> table_row(const Phase& ph, const Phase& unloaded) {
  const bool flooded = ph.name != "unloaded";
  return {ph.name,
          format_number(static_cast<double>(ph.run.succeeded)),
          format_us(ph.latency.p50_us),
          format_us(ph.latency.p99_us),
          flooded ? format_number(p99_ratio(ph, unloaded), 2) + "x" : "",
          flooded ? format_number(static_cast<double>(ph.flood_sent)) : "",
          flooded ? format_number(static_cast<double>(ph.flood_answered)) : "",
          show_probe(ph.before),
          show_probe(ph.during),
          show_probe(ph.after)};
}

}  // namespace

Report report(const Options& o, const Result& r) {
  Report out;
  auto& j = out.json;
  j["scenario"] = "flood";
  j["params"] = {
      {"clients", o.clients}, {"calls", o.calls}, {"warmup", o.warmup}, {"floods", o.floods}};
  j["vm"] = r.vm;
  j["flood_vm"] = r.flood_vm;
  j["load_average"] = {{"before", r.load_before}, {"after", r.load_after}};
  ReportTable t;
  t.title = "flood: GetVMInfo of " + std::to_string(o.clients) + " clients (1 in flight each), " +
            format_number(static_cast<double>(o.calls)) + " calls per phase";
  t.columns = {"flood",      "calls",          "p50",           "p99",           "p99 / unloaded",
               "flood sent", "flood answered", "emberd before", "emberd during", "emberd after"};
  auto phases = nlohmann::ordered_json::array();
  for (const auto& ph : r.phases) {
    phases.push_back(phase_json(ph, r.phases.front()));
    t.rows.push_back(table_row(ph, r.phases.front()));
  }
  j["phases"] = std::move(phases);
  j["errors"] = r.errors.to_json();
  out.tables.push_back(std::move(t));
  out.notes.push_back("unread: the flooder pipelines GetVMInfo of VM " + r.flood_vm +
                      " and never reads a reply; fast: it pipelines as fast as the socket " +
                      "takes them and reads every reply. emberd columns: RSS / open fds.");
  out.notes.push_back("load average before " + r.load_before + ", after " + r.load_after);
  if (r.errors.total() > 0) {
    out.notes.push_back(format_number(static_cast<double>(r.errors.total())) +
                        " call(s) failed; first: " + r.errors.first().ToString());
  }
  return out;
}

}  // namespace ember::bench::flood
