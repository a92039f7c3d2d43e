// bench scale: the measurement (scale_report.cpp prints it).
#include "bench/scenarios/scale.hpp"

#include <algorithm>

#include "bench/lib/fleet.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/target.hpp"
#include "io/event_loop.hpp"

namespace ember::bench::scale {
namespace {

Probe probe(pid_t pid, size_t vms) {
  Probe p;
  p.vms = vms;
  if (pid > 0) {
    p.rss_kib = rss_kib(pid);
    p.fds = fd_count(pid);
  }
  return p;
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

// Creates every VM, probing emberd each `vms / samples` VMs into r->ramp.
void ramp_up(BenchContext& ctx, const Options& o, Fleet& fleet, Result* r) {
  const size_t step = o.samples > 0 ? std::max<size_t>(1, o.vms / o.samples) : 0;
  size_t alive = 0;
  Samples create_lat;
  create_lat.reserve(o.vms);
  const pid_t pid = r->emberd_pid;
  r->created = run_phase(
      ctx, "create", phase_limits(ctx, o.vms, o.concurrency), [&](size_t i, Finish finish) {
        fleet.create(i, [&, finish](const Status& s, std::chrono::nanoseconds took) {
          if (s.ok()) {
            create_lat.add(took);
            ++alive;
            if (step > 0 && alive % step == 0) r->ramp.push_back(probe(pid, alive));
          }
          finish(s);
        });
      });
  r->create_latency = create_lat.summarize();
}

}  // namespace

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  r.emberd_pid = ctx.target.emberd_pid();
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  r.before = probe(r.emberd_pid, 0);
  ramp_up(ctx, o, fleet, &r);
  r.alive = probe(r.emberd_pid, r.created.succeeded);
  hold(ctx.target.loop(), ctx.interrupted.load() ? 0 : o.hold_seconds);
  r.held = probe(r.emberd_pid, r.created.succeeded);

  Samples stop_lat;
  stop_lat.reserve(o.vms);
  r.stopped = fleet.stop_all(o.concurrency, &ctx.progress, &stop_lat);
  r.stop_latency = stop_lat.summarize();
  r.after = probe(r.emberd_pid, fleet.live().size());
  r.measured = true;
  r.errors = r.created.errors;
  r.errors.merge(r.stopped.errors);
  if (r.errors.total() > 0) {
    r.status = r.errors.first();
  } else if (r.created.cut_short && ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::scale
