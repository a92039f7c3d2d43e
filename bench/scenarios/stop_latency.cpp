// bench stop-latency: how long after the shim's exit emberd's StopVM reply
// arrives, measured from outside: a pidfd on the shim (pid from its VM
// directory's shim-state.json) watched by a thread of its own (ExitClock),
// and the reply's arrival on the client's loop, both on CLOCK_MONOTONIC.
#include <memory>

#include "cmd/emberctl/bench_exit_clock.hpp"
#include "cmd/emberctl/bench_fleet.hpp"
#include "cmd/emberctl/bench_proc.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {
namespace {

// How long the exit may stay unseen after emberd replied (it replies only
// after it saw the exit itself, so this means the measurement broke).
constexpr long kExitGraceMs = 10000;

// One stop being timed; loop thread only.
struct Timing {
  Clock::time_point sent, replied, exited;
  bool have_reply = false;
  bool have_exit = false;
  bool done = false;
  io::EventLoop::WatchId timer = 0;
};

struct Measured {
  Samples exit_to_reply;   // the headline: reply time - exit time
  Samples stop_to_exit;    // StopVM sent -> shim exit seen
  Samples stop_call;       // StopVM sent -> reply
  size_t reply_first = 0;  // replies seen before the exit (clock skew between threads)
};

}  // namespace

Status run_stop_latency(BenchContext& ctx, const StopLatencyOptions& o, Report* out) {
  auto& j = out->json;
  j["scenario"] = "stop-latency";
  j["params"] = {{"count", o.count}, {"concurrency", o.concurrency}};
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.count);
  ExitClock clock;  // destroyed before the fleet stops what is left
  Status s = clock.start();
  if (!s.ok()) return s;
  io::EventLoop& loop = ctx.target.loop();
  Measured m;

  RunLimits limits;
  limits.count = o.count;
  limits.concurrency = o.concurrency;
  limits.cancel = &ctx.interrupted;
  ctx.progress.start("stop-latency", o.count);
  RunStats run = run_closed_loop(
      loop, limits,
      [&](size_t i, Finish finish) {
        fleet.create(i, [&, i, finish](const Status& cs, std::chrono::nanoseconds) {
          if (!cs.ok()) return finish(cs);
          // Resolved once a VM exists: a fresh emberd makes the base with its first VM.
          std::string base;
          ShimInfo shim;
          UniqueFd pidfd;
          Status st = ctx.target.vm_dir_base(&base);
          if (st.ok()) st = read_shim_info(ctx.target.vm_dir(base, fleet.id(i)), &shim);
          if (st.ok()) st = open_pidfd(shim.pid, &pidfd);
          auto t = std::make_shared<Timing>();
          // Both halves arrive on the loop thread; the second one finishes.
          auto complete = [&m, &loop, t, finish] {
            if (t->done || !t->have_reply || !t->have_exit) return;
            t->done = true;
            loop.cancel_watch(t->timer);
            m.exit_to_reply.add(t->exited, t->replied);
            m.stop_to_exit.add(t->sent, t->exited);
            m.stop_call.add(t->sent, t->replied);
            if (t->replied < t->exited) ++m.reply_first;
            finish(Status::Ok());
          };
          if (st.ok()) {
            st = clock.watch(std::move(pidfd), [&loop, t, complete](Clock::time_point when) {
              loop.post([t, when, complete] {
                t->exited = when;
                t->have_exit = true;
                complete();
              });
            });
          }
          if (!st.ok()) {
            // Still stop it (the fleet would anyway), but this sample is lost.
            return fleet.stop(
                i, [st, finish](const Status&, std::chrono::nanoseconds) { finish(st); });
          }
          t->sent = Clock::now();
          fleet.stop(i, [&, t, finish, complete, pid = shim.pid](const Status& ss,
                                                                 std::chrono::nanoseconds) {
            t->replied = Clock::now();
            if (!ss.ok()) {
              t->done = true;
              return finish(ss);
            }
            t->have_reply = true;
            t->timer = loop.after(kExitGraceMs, [t, finish, pid] {
              if (t->done) return;
              t->done = true;
              finish(Status::Internal("no exit of shim pid " + std::to_string(pid) +
                                      " seen 10 s after its StopVM reply"));
            });
            complete();
          });
        });
      },
      &ctx.progress);
  ctx.progress.finish();

  j["stops"] = {{"requested", run.requested},
                {"started", run.started},
                {"completed", run.succeeded},
                {"failed", run.failed}};
  j["exit_to_reply_us"] = to_json(m.exit_to_reply.summarize());
  j["stop_to_exit_us"] = to_json(m.stop_to_exit.summarize());
  j["stop_call_us"] = to_json(m.stop_call.summarize());
  j["reply_before_exit"] = m.reply_first;
  j["errors"] = run.errors.to_json();

  ReportTable t;
  t.title = "stop-latency: " + std::to_string(run.succeeded) + " of " + std::to_string(o.count) +
            " stops timed, " + std::to_string(o.concurrency) + " in flight";
  t.columns = latency_columns("interval");
  t.rows.push_back(latency_row("shim exit -> StopVM reply", m.exit_to_reply.summarize()));
  t.rows.push_back(latency_row("StopVM sent -> shim exit", m.stop_to_exit.summarize()));
  t.rows.push_back(latency_row("StopVM sent -> reply", m.stop_call.summarize()));
  out->tables.push_back(std::move(t));
  out->notes.push_back(
      "exit: the shim's pidfd became readable (a thread blocked in epoll); "
      "reply: the StopVM reply reached this client. Both CLOCK_MONOTONIC.");
  if (m.reply_first > 0) {
    out->notes.push_back(std::to_string(m.reply_first) +
                         " StopVM reply(s) arrived before the exit was seen: the two watching "
                         "threads woke in the other order (negative samples)");
  }
  if (run.failed > 0) {
    out->notes.push_back(std::to_string(run.failed) +
                         " stop(s) failed; first: " + run.errors.first().ToString());
    return run.errors.first();
  }
  if (run.cut_short && ctx.interrupted.load()) return Status(Code::cancelled, "interrupted");
  return Status::Ok();
}

}  // namespace ember::bench
