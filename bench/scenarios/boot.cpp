// bench boot: V real VMs created at once, each timed until its guest's ready
// marker appears in its VM directory (docs/benchmarks.md has the contract).
#include <cstdio>
#include <memory>

#include "cmd/emberctl/bench_file_waiter.hpp"
#include "cmd/emberctl/bench_fleet.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {

Status run_boot(BenchContext& ctx, const BootOptions& o, Report* out) {
  auto& j = out->json;
  const size_t concurrency = o.concurrency > 0 ? o.concurrency : o.vms;
  j["scenario"] = "boot";
  j["params"] = {{"vms", o.vms},
                 {"concurrency", concurrency},
                 {"ready_file", o.ready_file},
                 {"ready_marker", o.ready_marker},
                 {"ready_timeout_seconds", o.ready_timeout_seconds}};
  io::EventLoop& loop = ctx.target.loop();
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  FileWaiter waiter(loop);
  Status s = waiter.start();
  if (!s.ok()) return s;
  const long ready_ms = static_cast<long>(o.ready_timeout_seconds * 1000);
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%g", o.ready_timeout_seconds);
  const std::string what = o.ready_marker.empty()
                               ? "no " + o.ready_file
                               : "no \"" + o.ready_marker + "\" in " + o.ready_file;
  Samples create_lat, ready_lat;

  RunLimits limits;
  limits.count = o.vms;
  limits.concurrency = concurrency;
  limits.cancel = &ctx.interrupted;
  ctx.progress.start("boot", o.vms);
  RunStats booted = run_closed_loop(
      loop, limits,
      [&](size_t i, Finish finish) {
        const auto sent = Clock::now();
        fleet.create(i, [&, i, sent, finish](const Status& cs, std::chrono::nanoseconds took) {
          if (!cs.ok()) return finish(cs);
          create_lat.add(took);
          const std::string id = fleet.id(i);
          // Resolved once a VM exists: a fresh emberd makes the base with its first VM.
          std::string base;
          Status bs = ctx.target.vm_dir_base(&base);
          if (!bs.ok()) return finish(bs);
          auto key = std::make_shared<int>(-1);
          auto timer = std::make_shared<io::EventLoop::WatchId>(0);
          Status ws = waiter.wait(
              ctx.target.vm_dir(base, id), o.ready_file, o.ready_marker,
              [&, sent, finish, timer, id](const Status& rs) {
                loop.cancel_watch(*timer);
                if (rs.ok()) ready_lat.add(sent, Clock::now());
                finish(rs.ok() ? rs
                               : Status::Unavailable("VM " + id +
                                                     " ended before its guest was "
                                                     "ready: " +
                                                     rs.message()));
              },
              key.get());
          if (!ws.ok()) return finish(ws);
          *timer = loop.after(ready_ms, [&, key, finish, id] {
            waiter.cancel(*key);
            finish(Status::DeadlineExceeded("guest of VM " + id + " not ready after " +
                                            seconds_text + " s (" + what +
                                            " in its VM directory)"));
          });
        });
      },
      &ctx.progress);
  ctx.progress.finish();

  Samples stop_lat;
  RunStats stopped = fleet.stop_all(concurrency, &ctx.progress, &stop_lat);

  j["vms"] = {{"requested", o.vms},
              {"started", booted.started},
              {"ready", booted.succeeded},
              {"failed", booted.failed},
              {"stopped", stopped.succeeded}};
  j["create_us"] = to_json(create_lat.summarize());
  j["ready_us"] = to_json(ready_lat.summarize());
  j["all_ready_seconds"] = booted.seconds();
  j["stop_us"] = to_json(stop_lat.summarize());
  ErrorTally errors = booted.errors;
  errors.merge(stopped.errors);
  j["errors"] = errors.to_json();

  ReportTable t;
  t.title = "boot: " + std::to_string(booted.succeeded) + " of " + std::to_string(o.vms) +
            " guests ready, " + std::to_string(concurrency) + " created at once, all ready in " +
            format_number(booted.seconds(), 2) + " s";
  t.columns = latency_columns("interval");
  t.rows.push_back(latency_row("CreateVM call", create_lat.summarize()));
  t.rows.push_back(latency_row("CreateVM sent -> " + o.ready_file, ready_lat.summarize()));
  t.rows.push_back(latency_row("StopVM call", stop_lat.summarize()));
  out->tables.push_back(std::move(t));
  if (errors.total() > 0) {
    out->notes.push_back(std::to_string(errors.total()) +
                         " failure(s); first: " + errors.first().ToString());
    return errors.first();
  }
  if (booted.cut_short && ctx.interrupted.load()) return Status(Code::cancelled, "interrupted");
  return Status::Ok();
}

}  // namespace ember::bench
