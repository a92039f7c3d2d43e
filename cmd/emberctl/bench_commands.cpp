#include "cmd/emberctl/bench_commands.hpp"

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/lib/report.hpp"
#include "bench/scenarios/boot.hpp"
#include "bench/scenarios/flood.hpp"
#include "bench/scenarios/lifecycle.hpp"
#include "bench/scenarios/rpc.hpp"
#include "bench/scenarios/scale.hpp"
#include "bench/scenarios/scenario.hpp"
#include "bench/scenarios/stop_latency.hpp"
#include "cmd/emberctl/validators.hpp"

namespace ember::ctl {
namespace {

using bench::make_scenario;
using bench::Scenario;

// Options of `bench` itself, valid with every scenario; the global options
// are added when it runs.
using BenchOptions = bench::RunSettings;

Status run_bench(const BenchOptions& o, const std::string& name, const Scenario& scenario,
                 Invocation& inv) {
  const GlobalOptions& g = inv.globals();
  bench::RunSettings settings = o;
  settings.target.config_path = g.config_path;
  settings.target.address = g.address;
  settings.target.ns = g.ns;
  settings.target.timeout_seconds = g.timeout_seconds;
  // As `emberctl vm create` / `vm stop` wait.
  settings.target.call_timeout = kDefaultCallTimeout;
  settings.target.create_timeout = kDefaultCreateTimeout;
  const bench::Outcome outcome = bench::run_scenario(settings, name, scenario);
  if (outcome.report) bench::print_report(*outcome.report, g.json, std::cout);
  return outcome.status;
}

// Adds a scenario subcommand that runs `scenario` when it is picked.
CLI::App* add_scenario(CLI::App& bench, Action* chosen, std::shared_ptr<BenchOptions> common,
                       const std::string& name, const std::string& description, Scenario scenario) {
  CLI::App* sub = bench.add_subcommand(name, description);
  sub->callback([=] {
    *chosen = [common, name, scenario](Invocation& inv) {
      return run_bench(*common, name, scenario, inv);
    };
  });
  return sub;
}

void add_target_options(CLI::App& bench, BenchOptions& o) {
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
}

void add_vm_options(CLI::App& bench, bench::VmTemplate& vm) {
  bench.add_option("--vcpus", vm.vcpus, "vCPUs of each VM (default: the server's)")
      ->type_name("N")
      ->check(between(1, msg::kMaxVcpus));
  bench.add_option("--mem", vm.mem_mib, "memory of each VM in MiB (default: the server's)")
      ->type_name("MIB")
      ->check(between(1, msg::kMaxMemoryMib));
  bench.add_option("--kernel", vm.kernel, "kernel image of each VM")->type_name("PATH");
  bench.add_option("--kernel-args", vm.kernel_args, "kernel command line")->type_name("STR");
  bench.add_option("--root-drive", vm.root_drive, "root drive image (read-only)")
      ->type_name("PATH");
  bench
      .add_option("--create-timeout-seconds", vm.create_timeout_seconds,
                  "CreateVM TimeoutSeconds (0: the server's default)")
      ->type_name("N")
      ->check(CLI::Range(0, 3600));
}

const CLI::Range kCount(1, 10000000);
const CLI::Range kDepth(1, 4096);
const CLI::Range kVms(1, 100000);

// Each scenario's subcommand and its options (docs/cli.md).
struct ScenarioCommands {
  CLI::App& bench;
  Action* chosen;
  std::shared_ptr<BenchOptions> common;

  CLI::App* add(const std::string& name, const std::string& description, Scenario scenario) {
    return add_scenario(bench, chosen, common, name, description, std::move(scenario));
  }

  void lifecycle() {
    namespace s = bench::lifecycle;
    auto o = std::make_shared<s::Options>();
    CLI::App* sub = add("lifecycle", "Create and stop N VMs, C cycles in flight",
                        make_scenario(o, s::measure, s::report));
    sub->add_option("-n,--count", o->count, "VMs to create and stop")
        ->capture_default_str()
        ->check(kCount);
    sub->add_option("-c,--concurrency", o->concurrency, "cycles in flight")
        ->capture_default_str()
        ->check(kDepth);
  }

  void rpc() {
    namespace s = bench::rpc;
    auto o = std::make_shared<s::Options>();
    CLI::App* sub = add("rpc", "GetVMInfo/GetVMMetadata through emberd and straight to a shim",
                        make_scenario(o, s::measure, s::report));
    sub->add_option("--vms", o->vms, "VMs running during the calls")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    sub->add_option("-n,--calls", o->calls, "measured calls per method, depth and path")
        ->capture_default_str()
        ->check(kCount);
    sub->add_option("--warmup", o->warmup, "unmeasured calls before each series")
        ->capture_default_str()
        ->check(CLI::Range(0, 10000000));
    sub->add_option("--in-flight", o->in_flight, "calls in flight, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(kDepth);
    sub->add_option("--methods", o->methods, "methods to call, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::IsMember({"GetVMInfo", "GetVMMetadata"}));
    sub->add_option("--paths", o->paths, "paths to measure, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::IsMember({"emberd", "shim", "emberd-all"}));
  }

  void stop_latency() {
    namespace s = bench::stop_latency;
    auto o = std::make_shared<s::Options>();
    CLI::App* sub = add("stop-latency", "Time from each shim's exit to its StopVM reply",
                        make_scenario(o, s::measure, s::report));
    sub->add_option("-n,--count", o->count, "VMs to create and stop")
        ->capture_default_str()
        ->check(kCount);
    sub->add_option("-c,--concurrency", o->concurrency, "stops in flight")
        ->capture_default_str()
        ->check(kDepth);
  }

  void scale() {
    namespace s = bench::scale;
    auto o = std::make_shared<s::Options>();
    CLI::App* sub = add("scale", "V VMs alive at once: create/stop times, emberd RSS and fds",
                        make_scenario(o, s::measure, s::report));
    sub->add_option("--vms", o->vms, "VMs alive at once")->capture_default_str()->check(kVms);
    sub->add_option("-c,--concurrency", o->concurrency, "creates/stops in flight")
        ->capture_default_str()
        ->check(kDepth);
    sub->add_option("--samples", o->samples, "emberd RSS/fd samples during the ramp (0: none)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000));
    sub->add_option("--hold-seconds", o->hold_seconds, "keep all VMs alive this long")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 86400.0));
  }

  void boot();

  void flood() {
    namespace s = bench::flood;
    auto o = std::make_shared<s::Options>();
    CLI::App* sub = add("flood", "GetVMInfo p99 of other clients while one client floods emberd",
                        make_scenario(o, s::measure, s::report));
    sub->add_option("--clients", o->clients, "well-behaved connections, one call in flight each")
        ->capture_default_str()
        ->check(kDepth);
    sub->add_option("-n,--calls", o->calls, "measured calls per phase")
        ->capture_default_str()
        ->check(kCount);
    sub->add_option("--warmup", o->warmup, "unmeasured calls before the first phase")
        ->capture_default_str()
        ->check(CLI::Range(0, 10000000));
    sub->add_option("--floods", o->floods, "floods to measure, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::IsMember({"unread", "fast"}));
  }
};

CLI::Validator file_name() {
  return CLI::Validator(
      [](std::string& s) {
        return s.empty() || s.find('/') != std::string::npos || s == "." || s == ".."
                   ? "must be a file name (no '/'), got '" + s + "'"
                   : std::string();
      },
      "NAME", "FileName");
}

void ScenarioCommands::boot() {
  namespace s = bench::boot;
  auto o = std::make_shared<s::Options>();
  CLI::App* sub = add("boot", "V real VMs created at once, timed until each guest is ready",
                      make_scenario(o, s::measure, s::report));
  sub->add_option("--vms", o->vms, "VMs to boot")->capture_default_str()->check(kVms);
  sub->add_option("-c,--concurrency", o->concurrency, "creates in flight (0: all at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  sub->add_option("--ready-file", o->ready_file,
                  "file the guest's readiness makes appear in its VM directory")
      ->capture_default_str()
      ->check(file_name());
  sub->add_option("--ready-marker", o->ready_marker,
                  "text whose appearance in --ready-file means ready (e.g. "
                  "EMBER-GUEST-READY in a console log; default: the file's existence)")
      ->type_name("TEXT")
      ->check(non_empty());
  sub->add_option("--ready-timeout", o->ready_timeout_seconds,
                  "seconds each guest gets to become ready")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
}

}  // namespace

void add_bench_commands(CLI::App& root, Action* chosen) {
  CLI::App* bench = root.add_subcommand(
      "bench", "Load-test a running emberd (prints a summary; --json for machines)");
  bench->require_subcommand(1);
  auto common = std::make_shared<BenchOptions>();
  add_target_options(*bench, *common);
  add_vm_options(*bench, common->vm);
  ScenarioCommands scenarios{*bench, chosen, common};
  scenarios.lifecycle();
  scenarios.rpc();
  scenarios.stop_latency();
  scenarios.scale();
  scenarios.boot();
  scenarios.flood();
}

}  // namespace ember::ctl
