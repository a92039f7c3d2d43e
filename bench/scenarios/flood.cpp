// bench flood: the measurement (flood_report.cpp prints it).
#include "bench/scenarios/flood.hpp"

#include <memory>
#include <thread>

#include "bench/lib/fleet.hpp"
#include "bench/lib/flooder.hpp"
#include "bench/lib/proc.hpp"
#include "bench/lib/target.hpp"
#include "fccontrol.pb.h"

namespace ember::bench::flood {
namespace {

std::string info_request(const std::string& vm_id) {
  GetVMInfoRequest r;
  r.set_vmid(vm_id);
  return encode(r);
}

Probe probe(pid_t pid) {
  if (pid <= 0) return {};
  return {rss_kib(pid), fd_count(pid)};
}

// The well-behaved clients: `count` GetVMInfo calls spread over their
// connections, as many in flight as there are connections.
RunStats run_clients(BenchContext& ctx, std::vector<std::shared_ptr<ttrpc::Client>>& clients,
                     const std::string& payload, size_t count, Samples* lat,
                     const std::string& label) {
  const auto timeout = ctx.target.call_timeout();
  return run_phase(ctx, label, phase_limits(ctx, count, clients.size()),
                   [&](size_t i, Finish finish) {
                     const auto sent = Clock::now();
                     ctx.target.call_on(*clients[i % clients.size()], "GetVMInfo", payload, timeout,
                                        [lat, sent, finish](ttrpc::CallResult r) {
                                          if (r.status.ok() && lat != nullptr)
                                            lat->add(sent, Clock::now());
                                          finish(r.status);
                                        });
                   });
}

// Lets the flood reach its steady state before the measured calls: `unread`
// until emberd stopped reading it (nothing more written for 200 ms), `fast`
// for half a second. At most 10 s.
void let_flood_settle(const Flooder& flooder, const std::string& flood) {
  using namespace std::chrono_literals;
  const auto give_up = Clock::now() + 10s;
  if (flood == "fast") {
    std::this_thread::sleep_for(500ms);
    return;
  }
  uint64_t last = flooder.sent();
  while (Clock::now() < give_up) {
    std::this_thread::sleep_for(200ms);
    const uint64_t now = flooder.sent();
    if (now == last && now > 0) return;
    last = now;
  }
}

Phase measure_phase(BenchContext& ctx, const Options& o,
                    std::vector<std::shared_ptr<ttrpc::Client>>& clients,
                    const std::string& payload, const std::string& flood_vm,
                    const std::string& flood) {
  Phase ph;
  ph.name = flood.empty() ? "unloaded" : flood;
  const pid_t pid = ctx.target.emberd_pid();
  ph.before = probe(pid);
  Flooder flooder(ctx.target.address(), ctx.target.ns(), "GetVMInfo", info_request(flood_vm));
  const auto flood_began = Clock::now();
  if (!flood.empty()) {
    Status s = flooder.start(flood == "fast" ? Flooder::Mode::fast : Flooder::Mode::unread);
    if (!s.ok()) {
      ph.run.errors.add(s);
      return ph;
    }
    let_flood_settle(flooder, flood);
  }
  Samples lat;
  lat.reserve(o.calls);
  ph.run = run_clients(ctx, clients, payload, o.calls, &lat, "GetVMInfo, flood: " + ph.name);
  ph.latency = lat.summarize();
  ph.during = probe(pid);
  ph.flood_sent = flooder.sent();
  ph.flood_answered = flooder.answered();
  flooder.stop();
  ph.flood_seconds = seconds_between(flood_began, Clock::now());
  // One round trip after the close, so emberd has seen it.
  run_clients(ctx, clients, payload, clients.size(), nullptr, "settle");
  ph.after = probe(pid);
  return ph;
}

}  // namespace

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, 2);
  const RunStats created =
      run_phase(ctx, "create", phase_limits(ctx, 2, 2), [&](size_t i, Finish finish) {
        fleet.create(i, [finish](const Status& s, auto) { finish(s); });
      });
  if (created.failed > 0 || created.cut_short) {
    r.status = created.failed > 0 ? created.errors.first() : interrupted_status();
    return r;
  }
  r.vm = fleet.id(0);
  r.flood_vm = fleet.id(1);
  std::vector<std::shared_ptr<ttrpc::Client>> clients(o.clients);
  for (auto& c : clients) {
    r.status = ctx.target.connect(ctx.target.address(), &c);
    if (!r.status.ok()) return r;
  }
  const std::string payload = info_request(r.vm);
  r.load_before = load_average();
  run_clients(ctx, clients, payload, o.warmup, nullptr, "warm-up");
  r.phases.push_back(measure_phase(ctx, o, clients, payload, r.flood_vm, ""));
  for (const auto& flood : o.floods) {
    if (ctx.interrupted.load()) break;
    r.phases.push_back(measure_phase(ctx, o, clients, payload, r.flood_vm, flood));
  }
  r.load_after = load_average();
  r.measured = true;
  for (const auto& ph : r.phases)
    r.errors.merge(ph.run.errors);
  if (r.errors.total() > 0) {
    r.status = r.errors.first();
  } else if (ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::flood
