// bench rpc: the measurement (rpc_report.cpp prints it).
#include "bench/scenarios/rpc.hpp"

#include <algorithm>
#include <memory>

#include "bench/lib/fleet.hpp"
#include "bench/lib/target.hpp"
#include "fccontrol.pb.h"

namespace ember::bench::rpc {
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

class SeriesRunner {
 public:
  SeriesRunner(BenchContext& ctx, const Options& o) : ctx_(ctx), o_(o) {}

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
    const auto timeout = ctx_.target.call_timeout();
    return run_phase(ctx_, label, phase_limits(ctx_, count, in_flight),
                     [&](size_t i, Finish finish) {
                       const auto sent = Clock::now();
                       ctx_.target.call_on(client, method.c_str(), payloads[i % payloads.size()],
                                           timeout, [lat, sent, finish](ttrpc::CallResult r) {
                                             if (r.status.ok() && lat != nullptr)
                                               lat->add(sent, Clock::now());
                                             finish(r.status);
                                           });
                     });
  }

  BenchContext& ctx_;
  const Options& o_;
};

// The VMs the calls go to, 16 creates in flight.
RunStats create_fleet(BenchContext& ctx, Fleet& fleet, size_t vms) {
  return run_phase(ctx, "create", phase_limits(ctx, vms, 16), [&](size_t i, Finish finish) {
    fleet.create(i, [finish](const Status& s, std::chrono::nanoseconds) { finish(s); });
  });
}

// A connection straight to the shim of VM vm_id (its fccontrol socket).
Status connect_shim(BenchContext& ctx, const std::string& vm_id, ShimInfo* shim,
                    std::shared_ptr<ttrpc::Client>* out) {
  std::string dir;
  Status s = ctx.target.vm_dir_blocking(vm_id, &dir);
  if (!s.ok()) return s;
  s = read_shim_info(dir, shim);
  if (!s.ok()) return s;
  return ctx.target.connect(shim->fccontrol_socket, out);
}

// Every method, depth and path asked for, in that order, into r.
void measure_series(BenchContext& ctx, const Options& o, const Fleet& fleet, ttrpc::Client& direct,
                    Result* r) {
  SeriesRunner runner(ctx, o);
  auto wanted = [&o](const char* path) {
    return std::find(o.paths.begin(), o.paths.end(), path) != o.paths.end();
  };
  auto& all = r->series;
  for (const auto& method : o.methods) {
    const std::vector<std::string> one = {request_for(method, fleet.id(0))};
    std::vector<std::string> spread;
    for (size_t i = 0; i < o.vms; ++i)
      spread.push_back(request_for(method, fleet.id(i)));
    for (size_t level : o.in_flight) {
      const size_t first = all.size();
      if (wanted("emberd"))
        all.push_back(runner.measure(ctx.target.emberd(), method, level, "emberd", one));
      if (wanted("shim")) all.push_back(runner.measure(direct, method, level, "shim", one));
      if (wanted("emberd-all") && o.vms > 1) {
        all.push_back(runner.measure(ctx.target.emberd(), method, level, "emberd-all", spread));
      }
      for (size_t k = first; k < all.size(); ++k)
        r->errors.merge(all[k].run.errors);
      if (ctx.interrupted.load()) return;
    }
  }
}

}  // namespace

Result measure(BenchContext& ctx, const Options& o) {
  Result r;
  Fleet fleet(ctx.target, ctx.id_prefix, ctx.vm, o.vms);
  const RunStats created = create_fleet(ctx, fleet, o.vms);
  r.vms_created = created.succeeded;
  if (created.failed > 0) {
    r.status = created.errors.first();
    return r;
  }
  if (created.cut_short) {
    r.status = interrupted_status();
    return r;
  }
  std::shared_ptr<ttrpc::Client> direct;
  r.status = connect_shim(ctx, fleet.id(0), &r.shim, &direct);
  if (!r.status.ok()) return r;
  r.shim_vm = fleet.id(0);
  measure_series(ctx, o, fleet, *direct, &r);
  r.measured = true;
  if (r.errors.total() > 0) {
    r.status = r.errors.first();
  } else if (ctx.interrupted.load()) {
    r.status = interrupted_status();
  }
  return r;
}

}  // namespace ember::bench::rpc
