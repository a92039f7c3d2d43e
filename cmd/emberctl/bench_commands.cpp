#include "cmd/emberctl/bench_commands.hpp"

#include <unistd.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/bench_interrupt.hpp"
#include "cmd/emberctl/bench_progress.hpp"
#include "cmd/emberctl/bench_report.hpp"
#include "cmd/emberctl/bench_scenarios.hpp"
#include "cmd/emberctl/bench_target.hpp"
#include "cmd/emberctl/validators.hpp"

namespace ember::ctl {
namespace {

using bench::BenchContext;
using bench::Report;

// Options of `bench` itself, valid with every scenario.
struct BenchOptions {
  bench::TargetOptions target;
  double max_seconds = 0;
  bench::VmTemplate vm;
};

using Scenario = std::function<Status(BenchContext&, Report*)>;

Status run_bench(const BenchOptions& o, const std::string& name, const Scenario& scenario,
                 Invocation& inv) {
  // Before any thread exists, so they all inherit the blocked signals.
  bench::Interrupts interrupts;
  std::unique_ptr<bench::Target> target;
  Status s = bench::Target::open(inv.globals(), o.target, &target);
  if (!s.ok()) return s;
  s = interrupts.watch(target->loop());
  if (!s.ok()) return s;
  bench::Progress progress = bench::Progress::for_stderr();
  BenchContext ctx{*target,
                   progress,
                   interrupts.requested(),
                   o.max_seconds,
                   "bench-" + name + "-" + std::to_string(::getpid()) + "-",
                   o.vm};
  Report report;
  const Status result = scenario(ctx, &report);
  progress.finish();
  // Nothing measured (e.g. a bad --vm-dir-base): the error says it all.
  if (report.tables.empty()) return result;
  report.json["namespace"] = inv.globals().ns;
  report.json["emberd_address"] = target->address();
  report.json["emberd_pid"] = target->emberd_pid() > 0
                                  ? nlohmann::ordered_json(target->emberd_pid())
                                  : nlohmann::ordered_json(nullptr);
  bench::print_report(report, inv.globals().json, std::cout);
  return result;
}

// Adds a scenario subcommand whose run is bound when it is picked.
CLI::App* add_scenario(CLI::App& bench, Action* chosen, std::shared_ptr<BenchOptions> common,
                       const std::string& name, const std::string& description,
                       std::function<Scenario()> bind) {
  CLI::App* sub = bench.add_subcommand(name, description);
  sub->callback([=] {
    Scenario scenario = bind();
    *chosen = [common, name, scenario](Invocation& inv) {
      return run_bench(*common, name, scenario, inv);
    };
  });
  return sub;
}

void add_common_options(CLI::App& bench, BenchOptions& o) {
  bench
      .add_option("--vm-dir-base", o.target.vm_dir_base,
                  "directory holding emberd's VM directories (default: shim_base_dir of the "
                  "config)")
      ->type_name("DIR")
      ->check(non_empty());
  bench
      .add_option("--emberd-pid", o.target.emberd_pid,
                  "emberd's pid for RSS/fd probes (default: the socket's peer, SO_PEERCRED)")
      ->type_name("PID")
      ->check(CLI::Range(1, 1 << 22));
  bench
      .add_option("--max-seconds", o.max_seconds,
                  "start no new work in a phase after this many seconds (default: no limit)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86400.0));
  bench.add_option("--vcpus", o.vm.vcpus, "vCPUs of each VM (default: the server's)")
      ->type_name("N")
      ->check(CLI::Range(1, 1024));
  bench.add_option("--mem", o.vm.mem_mib, "memory of each VM in MiB (default: the server's)")
      ->type_name("MIB")
      ->check(CLI::Range(1, 1 << 20));
  bench.add_option("--kernel", o.vm.kernel, "kernel image of each VM")->type_name("PATH");
  bench.add_option("--kernel-args", o.vm.kernel_args, "kernel command line")->type_name("STR");
  bench.add_option("--root-drive", o.vm.root_drive, "root drive image (read-only)")
      ->type_name("PATH");
  bench
      .add_option("--create-timeout-seconds", o.vm.create_timeout_seconds,
                  "CreateVM TimeoutSeconds (0: the server's default)")
      ->type_name("N")
      ->check(CLI::Range(0, 3600));
}

const CLI::Range kCount(1, 10000000);
const CLI::Range kDepth(1, 4096);
const CLI::Range kVms(1, 100000);

}  // namespace

void add_bench_commands(CLI::App& root, Action* chosen) {
  CLI::App* bench = root.add_subcommand(
      "bench", "Load-test a running emberd (prints a summary; --json for machines)");
  bench->require_subcommand(1);
  auto common = std::make_shared<BenchOptions>();
  add_common_options(*bench, *common);

  auto lc = std::make_shared<bench::LifecycleOptions>();
  CLI::App* sub = add_scenario(
      *bench, chosen, common, "lifecycle", "Create and stop N VMs, C cycles in flight",
      [=] { return [=](BenchContext& c, Report* r) { return bench::run_lifecycle(c, *lc, r); }; });
  sub->add_option("-n,--count", lc->count, "VMs to create and stop")
      ->capture_default_str()
      ->check(kCount);
  sub->add_option("-c,--concurrency", lc->concurrency, "cycles in flight")
      ->capture_default_str()
      ->check(kDepth);

  auto rpc = std::make_shared<bench::RpcOptions>();
  sub = add_scenario(
      *bench, chosen, common, "rpc",
      "GetVMInfo/GetVMMetadata through emberd and straight to a shim",
      [=] { return [=](BenchContext& c, Report* r) { return bench::run_rpc(c, *rpc, r); }; });
  sub->add_option("--vms", rpc->vms, "VMs running during the calls")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  sub->add_option("-n,--calls", rpc->calls, "measured calls per method, depth and path")
      ->capture_default_str()
      ->check(kCount);
  sub->add_option("--warmup", rpc->warmup, "unmeasured calls before each series")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  sub->add_option("--in-flight", rpc->in_flight, "calls in flight, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(kDepth);
  sub->add_option("--methods", rpc->methods, "methods to call, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"GetVMInfo", "GetVMMetadata"}));
  sub->add_option("--paths", rpc->paths, "paths to measure, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"emberd", "shim", "emberd-all"}));

  auto stop = std::make_shared<bench::StopLatencyOptions>();
  sub = add_scenario(*bench, chosen, common, "stop-latency",
                     "Time from each shim's exit to its StopVM reply", [=] {
                       return [=](BenchContext& c, Report* r) {
                         return bench::run_stop_latency(c, *stop, r);
                       };
                     });
  sub->add_option("-n,--count", stop->count, "VMs to create and stop")
      ->capture_default_str()
      ->check(kCount);
  sub->add_option("-c,--concurrency", stop->concurrency, "stops in flight")
      ->capture_default_str()
      ->check(kDepth);

  auto scale = std::make_shared<bench::ScaleOptions>();
  sub = add_scenario(
      *bench, chosen, common, "scale", "V VMs alive at once: create/stop times, emberd RSS and fds",
      [=] { return [=](BenchContext& c, Report* r) { return bench::run_scale(c, *scale, r); }; });
  sub->add_option("--vms", scale->vms, "VMs alive at once")->capture_default_str()->check(kVms);
  sub->add_option("-c,--concurrency", scale->concurrency, "creates/stops in flight")
      ->capture_default_str()
      ->check(kDepth);
  sub->add_option("--samples", scale->samples, "emberd RSS/fd samples during the ramp (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  sub->add_option("--hold-seconds", scale->hold_seconds, "keep all VMs alive this long")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));

  auto boot = std::make_shared<bench::BootOptions>();
  sub = add_scenario(
      *bench, chosen, common, "boot", "V real VMs created at once, timed until each guest is ready",
      [=] { return [=](BenchContext& c, Report* r) { return bench::run_boot(c, *boot, r); }; });
  sub->add_option("--vms", boot->vms, "VMs to boot")->capture_default_str()->check(kVms);
  sub->add_option("-c,--concurrency", boot->concurrency, "creates in flight (0: all at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  sub->add_option("--ready-file", boot->ready_file,
                  "file the guest's readiness makes appear in its VM directory")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& s) {
            return s.empty() || s.find('/') != std::string::npos || s == "." || s == ".."
                       ? "must be a file name (no '/'), got '" + s + "'"
                       : std::string();
          },
          "NAME", "FileName"));
  sub->add_option("--ready-marker", boot->ready_marker,
                  "text whose appearance in --ready-file means ready (e.g. "
                  "EMBER-GUEST-READY in a console log; default: the file's existence)")
      ->type_name("TEXT")
      ->check(non_empty());
  sub->add_option("--ready-timeout", boot->ready_timeout_seconds,
                  "seconds each guest gets to become ready")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
}

}  // namespace ember::ctl
