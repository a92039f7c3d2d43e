// bench scale: the report of a measurement.
#include <string>

#include "bench/lib/format.hpp"
#include "bench/scenarios/scale.hpp"

namespace ember::bench::scale {
namespace {

nlohmann::ordered_json or_null(long v) {
  return v < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}

nlohmann::ordered_json probe_json(const Probe& p) {
  return {{"vms", p.vms}, {"rss_kib", or_null(p.rss_kib)}, {"fds", or_null(p.fds)}};
}

std::string show_rss(long kib) {
  return kib < 0 ? "?" : format_kib(kib);
}
std::string show_fds(long fds) {
  return fds < 0 ? "?" : format_number(static_cast<double>(fds));
}

// fds and KiB of RSS per VM while all were alive; null when unknown.
nlohmann::ordered_json per_vm_json(const Result& r) {
  if (r.alive.fds < 0 || r.before.fds < 0 || r.created.succeeded == 0) return nullptr;
  const double n = static_cast<double>(r.created.succeeded);
  return {{"fds", static_cast<double>(r.alive.fds - r.before.fds) / n},
          {"rss_kib", static_cast<double>(r.alive.rss_kib - r.before.rss_kib) / n}};
}

nlohmann::ordered_json phase_json(const RunStats& run, const Summary& latency) {
  return {{"seconds", run.seconds()},
          {"per_second", rate(run.succeeded, run.seconds())},
          {"latency_us", to_json(latency)}};
}

nlohmann::ordered_json scale_json(const Options& o, const Result& r,
                                  const nlohmann::ordered_json& per_vm) {
  nlohmann::ordered_json j;
  j["scenario"] = "scale";
  j["params"] = {{"vms", o.vms},
                 {"concurrency", o.concurrency},
                 {"samples", o.samples},
                 {"hold_seconds", o.hold_seconds}};
  j["vms"] = {{"requested", o.vms},
              {"created", r.created.succeeded},
              {"create_failed", r.created.failed},
              {"stopped", r.stopped.succeeded},
              {"stop_failed", r.stopped.failed}};
  j["create"] = phase_json(r.created, r.create_latency);
  j["stop"] = phase_json(r.stopped, r.stop_latency);
  auto ramp = nlohmann::ordered_json::array();
  for (const auto& p : r.ramp)
    ramp.push_back(probe_json(p));
  const pid_t pid = r.emberd_pid;
  j["emberd"] = {{"pid", pid > 0 ? nlohmann::ordered_json(pid) : nlohmann::ordered_json(nullptr)},
                 {"before", probe_json(r.before)},
                 {"alive", probe_json(r.alive)},
                 {"held", probe_json(r.held)},
                 {"after", probe_json(r.after)},
                 {"per_vm", per_vm},
                 {"ramp", std::move(ramp)}};
  j["errors"] = r.errors.to_json();
  return j;
}

std::vector<std::string> phase_row(const char* name, const RunStats& r, const Summary& s) {
  return {name,
          format_number(static_cast<double>(r.succeeded)),
          format_number(r.seconds(), 2),
          format_number(rate(r.succeeded, r.seconds()), 1),
          format_us(s.p50_us),
          format_us(s.p99_us),
          format_us(s.max_us)};
}

ReportTable phases_table(const Options& o, const Result& r) {
  ReportTable t;
  t.title = "scale: " + format_number(static_cast<double>(r.created.succeeded)) + " of " +
            format_number(static_cast<double>(o.vms)) + " VMs alive at once, " +
            std::to_string(o.concurrency) + " calls in flight";
  t.columns = {"phase", "VMs", "seconds", "VMs/s", "p50", "p99", "max"};
  t.rows.push_back(phase_row("create all", r.created, r.create_latency));
  t.rows.push_back(phase_row("stop all", r.stopped, r.stop_latency));
  return t;
}

std::vector<std::string> probe_row(const std::string& when, const Probe& p) {
  return {when, format_number(static_cast<double>(p.vms)), show_rss(p.rss_kib), show_fds(p.fds)};
}

ReportTable memory_table(const Options& o, const Result& r) {
  const pid_t pid = r.emberd_pid;
  ReportTable t;
  t.title = "emberd (pid " + (pid > 0 ? std::to_string(pid) : std::string("unknown")) + ")";
  t.columns = {"when", "VMs", "RSS", "fds"};
  t.rows.push_back({"before", "0", show_rss(r.before.rss_kib), show_fds(r.before.fds)});
  for (const auto& p : r.ramp)
    t.rows.push_back(probe_row("ramp", p));
  t.rows.push_back(probe_row("all alive", r.alive));
  if (o.hold_seconds > 0) t.rows.push_back(probe_row("after hold", r.held));
  t.rows.push_back(probe_row("after stop", r.after));
  return t;
}

}  // namespace

Report report(const Options& o, const Result& r) {
  const nlohmann::ordered_json per_vm = per_vm_json(r);
  Report out;
  out.json = scale_json(o, r, per_vm);
  out.tables.push_back(phases_table(o, r));
  out.tables.push_back(memory_table(o, r));
  if (!per_vm.is_null()) {
    out.notes.push_back("per VM while alive: " + format_number(per_vm["fds"].get<double>(), 2) +
                        " fds, " + format_number(per_vm["rss_kib"].get<double>(), 1) + " KiB RSS");
  }
  if (r.emberd_pid <= 0) out.notes.push_back("emberd's pid is unknown: pass --emberd-pid");
  if (r.errors.total() > 0) {
    out.notes.push_back(std::to_string(r.errors.total()) +
                        " call(s) failed; first: " + r.errors.first().ToString());
  }
  return out;
}

}  // namespace ember::bench::scale
