// bench stop-latency: the measurement (stop_latency_report.cpp prints it).
#include "bench/scenarios/stop_latency.hpp"

#include <memory>
#include <string>

#include "bench/lib/backend_probe.hpp"
#include "bench/lib/exit_clock.hpp"
#include "bench/lib/fleet.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/shim_info.hpp"
#include "bench/lib/target.hpp"
#include "io/event_loop.hpp"
#include "messages/stop_status.hpp"

namespace ember::bench::stop_latency {
namespace {

// How long the exit may stay unseen after emberd replied (it replies only
// after it saw the exit itself, so this means the measurement broke).
constexpr long kExitGraceMs = 10000;

struct Measured {
  Samples exit_to_reply, stop_to_exit, stop_call;
  size_t reply_first = 0;
  size_t forced = 0;
};

// One stop being timed; loop thread only.
struct Timing {
  Clock::time_point sent, replied, exited;
  bool have_reply = false;
  bool have_exit = false;
  bool done = false;
  io::EventLoop::WatchId timer = 0;
  Finish finish;
};

// Both halves (reply, exit) arrive on the loop thread; the second one
// records the sample and finishes the operation.
void complete(const std::shared_ptr<Timing>& t, Measured& m, io::EventLoop& loop) {
  if (t->done || !t->have_reply || !t->have_exit) return;
  t->done = true;
  loop.cancel_watch(t->timer);
  m.exit_to_reply.add(t->exited, t->replied);
  m.stop_to_exit.add(t->sent, t->exited);
  m.stop_call.add(t->sent, t->replied);
  if (t->replied < t->exited) ++m.reply_first;
  t->finish(Status::Ok());
}

// The operations of the phase: create VM i, watch its shim's exit, stop it.
class StopTimer {
 public:
  StopTimer(BenchContext& ctx, Fleet& fleet, ExitClock& clock, Measured& m)
      : ctx_(ctx), loop_(ctx.target.loop()), fleet_(fleet), clock_(clock), m_(m) {}

  void run(size_t i, Finish finish) {
    fleet_.create(i, [this, i, finish](const Status& cs, std::chrono::nanoseconds) {
      if (!cs.ok()) return finish(cs);
      ctx_.target.vm_dir(fleet_.id(i), [this, i, finish](const Status& ds, const std::string& dir) {
        auto t = std::make_shared<Timing>();
        t->finish = finish;
        pid_t pid = 0;
        const Status st = ds.ok() ? watch_exit(dir, t, &pid) : ds;
        if (!st.ok()) {
          // Still stop it (the fleet would anyway), but this sample is lost.
          return fleet_.stop(i,
                             [st, finish](const Status&, std::chrono::nanoseconds) { finish(st); });
        }
        stop(i, t, pid);
      });
    });
  }

 private:
  // Watches the exit of the shim that VM directory dir names.
  Status watch_exit(const std::string& dir, const std::shared_ptr<Timing>& t, pid_t* pid) {
    ShimInfo shim;
    UniqueFd pidfd;
    Status st = read_shim_info(dir, &shim);
    if (st.ok()) st = open_pidfd(shim.pid, &pidfd);
    if (!st.ok()) return st;
    *pid = shim.pid;
    io::EventLoop& loop = loop_;
    Measured& m = m_;
    return clock_.watch(std::move(pidfd), [&loop, &m, t](Clock::time_point when) {
      loop.post([&loop, &m, t, when] {
        t->exited = when;
        t->have_exit = true;
        complete(t, m, loop);
      });
    });
  }

  void stop(size_t i, const std::shared_ptr<Timing>& t, pid_t pid) {
    io::EventLoop& loop = loop_;
    Measured& m = m_;
    t->sent = Clock::now();
    fleet_.stop(i, [&loop, &m, t, pid](const Status& ss, std::chrono::nanoseconds) {
      t->replied = Clock::now();
      if (msg::is_forced_stop(ss)) {  // the VM is gone, but after a kill: not timed
        ++m.forced;
        t->done = true;
        return t->finish(Status::Ok());
      }
      if (!ss.ok()) {
        t->done = true;
        return t->finish(ss);
      }
      t->have_reply = true;
      t->timer = loop.after(kExitGraceMs, [t, pid] {
        if (t->done) return;
        t->done = true;
        t->finish(Status::Internal("no exit of shim pid " + std::to_string(pid) +
                                   " seen 10 s after its StopVM reply"));
      });
      complete(t, m, loop);
    });
  }

  BenchContext& ctx_;
  io::EventLoop& loop_;
  Fleet& fleet_;
  ExitClock& clock_;
  Measured& m_;
};

}  // namespace

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  r.status = require_hollow(ctx.target, ctx.id_prefix, ctx.vm, "stop-latency");
  if (!r.status.ok()) return r;
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.count);
  ExitClock clock;  // destroyed before the fleet stops what is left
  r.status = clock.start();
  if (!r.status.ok()) return r;
  Measured m;
  StopTimer timer(ctx, fleet, clock, m);
  r.stops = run_phase(ctx, "stop-latency", phase_limits(ctx, o.count, o.concurrency),
                      [&timer](size_t i, Finish finish) { timer.run(i, std::move(finish)); });
  r.measured = true;
  r.exit_to_reply = m.exit_to_reply.summarize();
  r.stop_to_exit = m.stop_to_exit.summarize();
  r.stop_call = m.stop_call.summarize();
  r.reply_first = m.reply_first;
  r.forced = m.forced;
  if (r.stops.failed > 0) {
    r.status = r.stops.errors.first();
  } else if (r.stops.cut_short && ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::stop_latency
