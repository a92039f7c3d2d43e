// bench rpc: read-only calls at several depths, through emberd and straight
// to one shim's fccontrol socket, side by side: the difference is what
// emberd adds per forwarded call.
#include <algorithm>
#include <cmath>
#include <memory>

#include "cmd/emberctl/bench_fleet.hpp"
#include "cmd/emberctl/bench_proc.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"
#include "fccontrol.pb.h"

namespace ember::bench {
namespace {

// The encoded request of a read-only method for one VM.
std::string request_for(const std::string& method, const std::string& vm_id) {
  if (method == "GetVMMetadata") {
    GetVMMetadataRequest r;
    r.set_vmid(vm_id);
    return encode(r);
  }
  GetVMInfoRequest r;
  r.set_vmid(vm_id);
  return encode(r);
}

struct Series {
  std::string method;
  size_t in_flight = 0;
  std::string path;  // "emberd", "shim" or "emberd-all"
  RunStats run;
  Summary latency;
};

class RpcBench {
 public:
  RpcBench(BenchContext& ctx, const RpcOptions& o) : ctx_(ctx), o_(o) {}

  // Warm-up, then the measured calls; payloads are used round robin.
  Series measure(ttrpc::Client& client, const std::string& method, size_t in_flight,
                 const std::string& path, const std::vector<std::string>& payloads) {
    Series s{method, in_flight, path, {}, {}};
    Samples lat;
    lat.reserve(o_.calls);
    const std::string label = method + " x" + std::to_string(in_flight) + " " + path;
    run(client, method, in_flight, payloads, o_.warmup, nullptr, label + " (warm-up)");
    s.run = run(client, method, in_flight, payloads, o_.calls, &lat, label);
    s.latency = lat.summarize();
    return s;
  }

 private:
  RunStats run(ttrpc::Client& client, const std::string& method, size_t in_flight,
               const std::vector<std::string>& payloads, size_t count, Samples* lat,
               const std::string& label) {
    RunLimits limits;
    limits.count = count;
    limits.concurrency = in_flight;
    limits.cancel = &ctx_.interrupted;
    const auto timeout = ctx_.target.call_timeout(ctl::kDefaultCallTimeout);
    ctx_.progress.start(label, count);
    RunStats st = run_closed_loop(
        ctx_.target.loop(), limits,
        [&](size_t i, Finish finish) {
          const auto sent = Clock::now();
          ctx_.target.call_on(client, method.c_str(), payloads[i % payloads.size()], timeout,
                              [lat, sent, finish](ttrpc::CallResult r) {
                                if (r.status.ok() && lat != nullptr) lat->add(sent, Clock::now());
                                finish(r.status);
                              });
        },
        &ctx_.progress);
    ctx_.progress.finish();
    return st;
  }

  BenchContext& ctx_;
  const RpcOptions& o_;
};

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

}  // namespace

Status run_rpc(BenchContext& ctx, const RpcOptions& o, Report* out) {
  auto& j = out->json;
  j["scenario"] = "rpc";
  j["params"] = {{"vms", o.vms},
                 {"calls", o.calls},
                 {"warmup", o.warmup},
                 {"in_flight", o.in_flight},
                 {"methods", o.methods}};

  // The VMs the calls go to.
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  RunLimits limits;
  limits.count = o.vms;
  limits.concurrency = 16;
  limits.cancel = &ctx.interrupted;
  ctx.progress.start("create", o.vms);
  RunStats created = run_closed_loop(
      ctx.target.loop(), limits,
      [&](size_t i, Finish finish) {
        fleet.create(i, [finish](const Status& s, std::chrono::nanoseconds) { finish(s); });
      },
      &ctx.progress);
  ctx.progress.finish();
  j["vms_created"] = created.succeeded;
  if (created.failed > 0) return created.errors.first();
  if (created.cut_short) return Status(Code::cancelled, "interrupted");

  // VM 0's shim, for the direct path.
  std::string base;
  Status s = ctx.target.vm_dir_base(&base);
  if (!s.ok()) return s;
  ShimInfo shim;
  s = read_shim_info(ctx.target.vm_dir(base, fleet.id(0)), &shim);
  if (!s.ok()) return s;
  std::shared_ptr<ttrpc::Client> direct;
  s = ctx.target.connect(shim.fccontrol_socket, &direct);
  if (!s.ok()) return s;
  j["shim"] = {{"vm", fleet.id(0)}, {"pid", shim.pid}, {"fccontrol_socket", shim.fccontrol_socket}};

  RpcBench bench(ctx, o);
  auto wanted = [&o](const char* path) {
    return std::find(o.paths.begin(), o.paths.end(), path) != o.paths.end();
  };
  std::vector<Series> all;
  ErrorTally errors;
  for (const auto& method : o.methods) {
    const std::vector<std::string> one = {request_for(method, fleet.id(0))};
    std::vector<std::string> spread;
    for (size_t i = 0; i < o.vms; ++i)
      spread.push_back(request_for(method, fleet.id(i)));
    for (size_t level : o.in_flight) {
      const size_t first = all.size();
      if (wanted("emberd"))
        all.push_back(bench.measure(ctx.target.emberd(), method, level, "emberd", one));
      if (wanted("shim")) all.push_back(bench.measure(*direct, method, level, "shim", one));
      if (wanted("emberd-all") && o.vms > 1) {
        all.push_back(bench.measure(ctx.target.emberd(), method, level, "emberd-all", spread));
      }
      for (size_t k = first; k < all.size(); ++k)
        errors.merge(all[k].run.errors);
      if (ctx.interrupted.load()) break;
    }
    if (ctx.interrupted.load()) break;
  }

  auto series = nlohmann::ordered_json::array();
  auto added = nlohmann::ordered_json::array();
  ReportTable t;
  t.title = "rpc: " + std::to_string(o.vms) + " VMs; " + format_number(o.calls) +
            " calls per row after " + format_number(o.warmup) + " warm-up calls";
  t.columns = {"method", "in flight", "path",    "calls",
               "p50",    "p99",       "calls/s", "emberd adds (p50)"};
  for (size_t k = 0; k < all.size(); ++k) {
    const Series& x = all[k];
    series.push_back(series_json(x));
    std::string add;
    // The emberd row is followed by the shim row of the same method and level.
    if (x.path == "shim" && k > 0 && all[k - 1].path == "emberd") {
      const Series& via = all[k - 1];
      const double p50 = via.latency.p50_us - x.latency.p50_us;
      const double p99 = via.latency.p99_us - x.latency.p99_us;
      added.push_back({{"method", x.method},
                       {"in_flight", x.in_flight},
                       {"p50", std::round(p50 * 10) / 10},
                       {"p99", std::round(p99 * 10) / 10}});
      add = format_us(p50);
    }
    t.rows.push_back({x.method, std::to_string(x.in_flight), x.path,
                      format_number(static_cast<double>(x.run.succeeded)),
                      format_us(x.latency.p50_us), format_us(x.latency.p99_us),
                      format_number(rate(x.run.succeeded, x.run.seconds())), add});
  }
  j["series"] = std::move(series);
  j["emberd_added_us"] = std::move(added);
  j["errors"] = errors.to_json();
  out->tables.push_back(std::move(t));
  out->notes.push_back("emberd: calls for VM " + fleet.id(0) + " through emberd; shim: the same " +
                       "calls on its fccontrol socket; emberd-all: through emberd, spread over " +
                       "all VMs.");
  if (errors.total() > 0) {
    out->notes.push_back(format_number(static_cast<double>(errors.total())) +
                         " call(s) failed; first: " + errors.first().ToString());
    return errors.first();
  }
  if (ctx.interrupted.load()) return Status(Code::cancelled, "interrupted");
  return Status::Ok();
}

}  // namespace ember::bench
