// bench scale: V VMs alive at once. Time to create them all, emberd's RSS and
// open fds on the way up and while they live, time to stop them all, and
// emberd's RSS and fds afterwards.
#include <algorithm>
#include <memory>

#include "cmd/emberctl/bench_fleet.hpp"
#include "cmd/emberctl/bench_proc.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {
namespace {

struct Probe {
  size_t vms = 0;
  long rss_kib = -1;  // -1: unknown
  long fds = -1;
};

Probe probe(pid_t pid, size_t vms) {
  Probe p;
  p.vms = vms;
  if (pid > 0) {
    p.rss_kib = rss_kib(pid);
    p.fds = fd_count(pid);
  }
  return p;
}

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

// Keeps the VMs alive for `seconds` on a loop timer (the caller blocks in
// the runner, not in a sleep).
void hold(io::EventLoop& loop, double seconds) {
  if (seconds <= 0) return;
  RunLimits one;
  one.count = 1;
  run_closed_loop(
      loop, one,
      [&loop, seconds](size_t, Finish finish) {
        loop.after(static_cast<long>(seconds * 1000), [finish] { finish(Status::Ok()); });
      },
      nullptr);
}

}  // namespace

Status run_scale(BenchContext& ctx, const ScaleOptions& o, Report* out) {
  auto& j = out->json;
  j["scenario"] = "scale";
  j["params"] = {{"vms", o.vms},
                 {"concurrency", o.concurrency},
                 {"samples", o.samples},
                 {"hold_seconds", o.hold_seconds}};
  const pid_t pid = ctx.target.emberd_pid();
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  const Probe before = probe(pid, 0);

  // Ramp up, sampling emberd every `step` VMs.
  std::vector<Probe> ramp;
  const size_t step = o.samples > 0 ? std::max<size_t>(1, o.vms / o.samples) : 0;
  size_t alive = 0;
  Samples create_lat;
  create_lat.reserve(o.vms);
  RunLimits limits;
  limits.count = o.vms;
  limits.concurrency = o.concurrency;
  limits.cancel = &ctx.interrupted;
  ctx.progress.start("create", o.vms);
  RunStats created = run_closed_loop(
      ctx.target.loop(), limits,
      [&](size_t i, Finish finish) {
        fleet.create(i, [&, finish](const Status& s, std::chrono::nanoseconds took) {
          if (s.ok()) {
            create_lat.add(took);
            ++alive;
            if (step > 0 && alive % step == 0) ramp.push_back(probe(pid, alive));
          }
          finish(s);
        });
      },
      &ctx.progress);
  ctx.progress.finish();

  const Probe live = probe(pid, created.succeeded);
  hold(ctx.target.loop(), ctx.interrupted.load() ? 0 : o.hold_seconds);
  const Probe held = probe(pid, created.succeeded);

  Samples stop_lat;
  stop_lat.reserve(o.vms);
  RunStats stopped = fleet.stop_all(o.concurrency, &ctx.progress, &stop_lat);
  const Probe after = probe(pid, fleet.live().size());

  j["vms"] = {{"requested", o.vms},
              {"created", created.succeeded},
              {"create_failed", created.failed},
              {"stopped", stopped.succeeded},
              {"stop_failed", stopped.failed}};
  j["create"] = {{"seconds", created.seconds()},
                 {"per_second", rate(created.succeeded, created.seconds())},
                 {"latency_us", to_json(create_lat.summarize())}};
  j["stop"] = {{"seconds", stopped.seconds()},
               {"per_second", rate(stopped.succeeded, stopped.seconds())},
               {"latency_us", to_json(stop_lat.summarize())}};
  auto ramp_json = nlohmann::ordered_json::array();
  for (const auto& p : ramp)
    ramp_json.push_back(probe_json(p));
  nlohmann::ordered_json per_vm = nullptr;
  if (live.fds >= 0 && before.fds >= 0 && created.succeeded > 0) {
    const double n = static_cast<double>(created.succeeded);
    per_vm = {{"fds", static_cast<double>(live.fds - before.fds) / n},
              {"rss_kib", static_cast<double>(live.rss_kib - before.rss_kib) / n}};
  }
  j["emberd"] = {{"pid", pid > 0 ? nlohmann::ordered_json(pid) : nlohmann::ordered_json(nullptr)},
                 {"before", probe_json(before)},
                 {"alive", probe_json(live)},
                 {"held", probe_json(held)},
                 {"after", probe_json(after)},
                 {"per_vm", per_vm},
                 {"ramp", std::move(ramp_json)}};
  ErrorTally errors = created.errors;
  errors.merge(stopped.errors);
  j["errors"] = errors.to_json();

  ReportTable phases;
  phases.title = "scale: " + format_number(static_cast<double>(created.succeeded)) + " of " +
                 format_number(static_cast<double>(o.vms)) + " VMs alive at once, " +
                 std::to_string(o.concurrency) + " calls in flight";
  phases.columns = {"phase", "VMs", "seconds", "VMs/s", "p50", "p99", "max"};
  auto phase_row = [](const char* name, const RunStats& r, const Summary& s) {
    return std::vector<std::string>{name,
                                    format_number(static_cast<double>(r.succeeded)),
                                    format_number(r.seconds(), 2),
                                    format_number(rate(r.succeeded, r.seconds()), 1),
                                    format_us(s.p50_us),
                                    format_us(s.p99_us),
                                    format_us(s.max_us)};
  };
  phases.rows.push_back(phase_row("create all", created, create_lat.summarize()));
  phases.rows.push_back(phase_row("stop all", stopped, stop_lat.summarize()));
  out->tables.push_back(std::move(phases));

  ReportTable mem;
  mem.title = "emberd (pid " + (pid > 0 ? std::to_string(pid) : std::string("unknown")) + ")";
  mem.columns = {"when", "VMs", "RSS", "fds"};
  mem.rows.push_back({"before", "0", show_rss(before.rss_kib), show_fds(before.fds)});
  for (const auto& p : ramp)
    mem.rows.push_back(
        {"ramp", format_number(static_cast<double>(p.vms)), show_rss(p.rss_kib), show_fds(p.fds)});
  mem.rows.push_back({"all alive", format_number(static_cast<double>(live.vms)),
                      show_rss(live.rss_kib), show_fds(live.fds)});
  if (o.hold_seconds > 0) {
    mem.rows.push_back({"after hold", format_number(static_cast<double>(held.vms)),
                        show_rss(held.rss_kib), show_fds(held.fds)});
  }
  mem.rows.push_back({"after stop", format_number(static_cast<double>(after.vms)),
                      show_rss(after.rss_kib), show_fds(after.fds)});
  out->tables.push_back(std::move(mem));
  if (!per_vm.is_null()) {
    out->notes.push_back("per VM while alive: " + format_number(per_vm["fds"].get<double>(), 2) +
                         " fds, " + format_number(per_vm["rss_kib"].get<double>(), 1) + " KiB RSS");
  }
  if (pid <= 0) out->notes.push_back("emberd's pid is unknown: pass --emberd-pid");
  if (errors.total() > 0) {
    out->notes.push_back(std::to_string(errors.total()) +
                         " call(s) failed; first: " + errors.first().ToString());
    return errors.first();
  }
  if (created.cut_short && ctx.interrupted.load()) return Status(Code::cancelled, "interrupted");
  return Status::Ok();
}

}  // namespace ember::bench
