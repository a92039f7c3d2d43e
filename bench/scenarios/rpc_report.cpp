// bench rpc: the report of a measurement.
#include <cmath>

#include "bench/lib/format.hpp"
#include "bench/scenarios/rpc.hpp"

namespace ember::bench::rpc {
namespace {

nlohmann::ordered_json series_json(const Series& s) {
  return {{"method", s.method},
          {"in_flight", s.in_flight},
          {"path", s.path},
          {"calls", s.run.succeeded},
          {"failed", s.run.failed},
          {"latency_us", to_json(s.latency)},
          {"seconds", s.run.seconds()},
          {"calls_per_second", rate(s.run.succeeded, s.run.seconds())}};
}

// An emberd row is followed by the shim row of the same method and level:
// true (and what emberd added) for that shim row.
bool emberd_added(const std::vector<Series>& all, size_t k, double* p50, double* p99) {
  if (all[k].path != "shim" || k == 0 || all[k - 1].path != "emberd") return false;
  *p50 = all[k - 1].latency.p50_us - all[k].latency.p50_us;
  *p99 = all[k - 1].latency.p99_us - all[k].latency.p99_us;
  return true;
}

std::vector<std::string> table_row(const Series& x, const std::string& added) {
  return {x.method,
          std::to_string(x.in_flight),
          x.path,
          format_number(static_cast<double>(x.run.succeeded)),
          format_us(x.latency.p50_us),
          format_us(x.latency.p99_us),
          format_number(rate(x.run.succeeded, x.run.seconds())),
          added};
}

}  // namespace

Report report(const Options& o, const Result& r) {
  Report out;
  auto& j = out.json;
  j["scenario"] = "rpc";
  j["params"] = {{"vms", o.vms},
                 {"calls", o.calls},
                 {"warmup", o.warmup},
                 {"in_flight", o.in_flight},
                 {"methods", o.methods}};
  j["vms_created"] = r.vms_created;
  j["shim"] = {
      {"vm", r.shim_vm}, {"pid", r.shim.pid}, {"fccontrol_socket", r.shim.fccontrol_socket}};

  auto series = nlohmann::ordered_json::array();
  auto added = nlohmann::ordered_json::array();
  ReportTable t;
  t.title = "rpc: " + std::to_string(o.vms) + " VMs; " + format_number(o.calls) +
            " calls per row after " + format_number(o.warmup) + " warm-up calls";
  t.columns = {"method", "in flight", "path",    "calls",
               "p50",    "p99",       "calls/s", "emberd adds (p50)"};
  for (size_t k = 0; k < r.series.size(); ++k) {
    const Series& x = r.series[k];
    series.push_back(series_json(x));
    double p50 = 0, p99 = 0;
    std::string add;
    if (emberd_added(r.series, k, &p50, &p99)) {
      added.push_back({{"method", x.method},
                       {"in_flight", x.in_flight},
                       {"p50", std::round(p50 * 10) / 10},
                       {"p99", std::round(p99 * 10) / 10}});
      add = format_us(p50);
    }
    t.rows.push_back(table_row(x, add));
  }
  j["series"] = std::move(series);
  j["emberd_added_us"] = std::move(added);
  j["errors"] = r.errors.to_json();
  out.tables.push_back(std::move(t));
  out.notes.push_back("emberd: calls for VM " + r.shim_vm + " through emberd; shim: the same " +
                      "calls on its fccontrol socket; emberd-all: through emberd, spread over " +
                      "all VMs.");
  if (r.errors.total() > 0) {
    out.notes.push_back(format_number(static_cast<double>(r.errors.total())) +
                        " call(s) failed; first: " + r.errors.first().ToString());
  }
  return out;
}

}  // namespace ember::bench::rpc
