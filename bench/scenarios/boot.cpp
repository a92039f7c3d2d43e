// bench boot: the measurement (boot_report.cpp prints it).
#include "bench/scenarios/boot.hpp"

#include <cstdio>
#include <memory>

#include "bench/lib/file_waiter.hpp"
#include "bench/lib/fleet.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/target.hpp"
#include "io/event_loop.hpp"

namespace ember::bench::boot {
namespace {

// The operations of the phase: create VM i, then wait for its guest's ready
// marker, bounded by --ready-timeout.
class BootTimer {
 public:
  BootTimer(BenchContext& ctx, const Options& o, Fleet& fleet, FileWaiter& waiter)
      : ctx_(ctx), o_(o), loop_(ctx.target.loop()), fleet_(fleet), waiter_(waiter) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", o.ready_timeout_seconds);
    const std::string what = o.ready_marker.empty()
                                 ? "no " + o.ready_file
                                 : "no \"" + o.ready_marker + "\" in " + o.ready_file;
    not_ready_ =
        std::string(" not ready after ") + seconds + " s (" + what + " in its VM directory)";
  }

  void run(size_t i, Finish finish) {
    const auto sent = Clock::now();
    fleet_.create(i, [this, i, sent, finish](const Status& cs, std::chrono::nanoseconds took) {
      if (!cs.ok()) return finish(cs);
      create_lat.add(took);
      const std::string id = fleet_.id(i);
      ctx_.target.vm_dir(id, [this, id, sent, finish](const Status& ds, const std::string& dir) {
        const Status ws = ds.ok() ? wait_ready(id, dir, sent, finish) : ds;
        if (!ws.ok()) finish(ws);
      });
    });
  }

  Samples create_lat, ready_lat;  // loop thread while the phase runs

 private:
  // Waits for the ready marker in dir, the directory of VM id.
  Status wait_ready(const std::string& id, const std::string& dir, Clock::time_point sent,
                    const Finish& finish) {
    auto key = std::make_shared<int>(-1);
    auto timer = std::make_shared<io::EventLoop::WatchId>(0);
    Status s = waiter_.wait(
        dir, o_.ready_file, o_.ready_marker,
        [this, sent, finish, timer, id](const Status& rs) {
          loop_.cancel_watch(*timer);
          if (rs.ok()) ready_lat.add(sent, Clock::now());
          finish(rs.ok() ? rs
                         : Status::Unavailable(
                               "VM " + id + " ended before its guest was ready: " + rs.message()));
        },
        key.get());
    if (!s.ok()) return s;
    const long ready_ms = static_cast<long>(o_.ready_timeout_seconds * 1000);
    *timer = loop_.after(ready_ms, [this, key, finish, id] {
      waiter_.cancel(*key);
      finish(Status::DeadlineExceeded("guest of VM " + id + not_ready_));
    });
    return Status::Ok();
  }

  BenchContext& ctx_;
  const Options& o_;
  io::EventLoop& loop_;
  Fleet& fleet_;
  FileWaiter& waiter_;
  std::string not_ready_;  // " not ready after <t> s (<what is missing> ...)"
};

}  // namespace

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  r.concurrency = o.concurrency > 0 ? o.concurrency : o.vms;
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  FileWaiter waiter(ctx.target.loop());
  r.status = waiter.start();
  if (!r.status.ok()) return r;
  BootTimer timer(ctx, o, fleet, waiter);
  // emberd's pid comes from the socket's peer, so this works with --address alone.
  const pid_t emberd = ctx.target.emberd_pid();
  const double cpu_before = emberd > 0 ? cpu_seconds(emberd) : -1;
  r.load_before = load_average();
  r.booted = run_phase(ctx, "boot", phase_limits(ctx, o.vms, r.concurrency),
                       [&timer](size_t i, Finish finish) { timer.run(i, std::move(finish)); });
  const double cpu_after = emberd > 0 ? cpu_seconds(emberd) : -1;
  r.load_after = load_average();
  if (cpu_before >= 0 && cpu_after >= 0) r.emberd_cpu_seconds = cpu_after - cpu_before;
  Samples stop_lat;
  r.stopped = fleet.stop_all(r.concurrency, &ctx.progress, &stop_lat);
  r.measured = true;
  r.create = timer.create_lat.summarize();
  r.ready = timer.ready_lat.summarize();
  r.stop = stop_lat.summarize();
  r.errors = r.booted.errors;
  r.errors.merge(r.stopped.errors);
  if (r.errors.total() > 0) {
    r.status = r.errors.first();
  } else if (r.booted.cut_short && ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::boot
