// vm create | stop | pause | resume | info
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/inventory_commands.hpp"
#include "cmd/emberctl/path_arguments.hpp"
#include "cmd/emberctl/validators.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "fccontrol.pb.h"
#include "messages/stop_status.hpp"

namespace ember::ctl {
namespace {

struct CreateOptions {
  std::string id;
  uint32_t vcpus = 0;
  uint32_t mem_mib = 0;
  std::string kernel;
  std::string kernel_args;
  std::string root_drive;
  bool root_drive_rw = false;
  int64_t balloon_mib = 0;
  bool balloon_deflate_on_oom = false;
  int64_t balloon_stats_interval = 0;
  uint32_t timeout_seconds = 0;
  std::vector<std::string> drives;  // --drive, as typed
  // Whether each optional part was given: absent parts stay unset on the wire
  // so the server applies its own defaults.
  bool has_machine = false;
  bool has_kernel = false;
  bool has_kernel_args = false;
  bool has_root_drive = false;
  bool has_balloon = false;
};

CreateVMRequest make_create_request(const CreateOptions& o) {
  CreateVMRequest req;
  req.set_vmid(o.id);
  if (o.has_machine) {
    req.mutable_machinecfg()->set_vcpucount(o.vcpus);
    req.mutable_machinecfg()->set_memsizemib(o.mem_mib);
  }
  if (o.has_kernel) req.set_kernelimagepath(absolute_path(o.kernel));
  if (o.has_kernel_args) req.set_kernelargs(o.kernel_args);
  if (o.has_root_drive) {
    req.mutable_rootdrive()->set_hostpath(absolute_path(o.root_drive));
    req.mutable_rootdrive()->set_iswritable(o.root_drive_rw);
  }
  if (o.has_balloon) {
    auto* b = req.mutable_balloondevice();
    b->set_amountmib(o.balloon_mib);
    b->set_deflateonoom(o.balloon_deflate_on_oom);
    b->set_statspollingintervals(o.balloon_stats_interval);
  }
  for (size_t i = 0; i < o.drives.size(); ++i) {
    DriveArgument d;
    parse_drive_argument(o.drives[i], i, &d);  // checked when parsed
    auto* m = req.add_drivemounts();
    m->set_hostpath(d.host_path);
    m->set_vmpath(d.vm_path);
    m->set_iswritable(d.writable);
  }
  req.set_timeoutseconds(o.timeout_seconds);
  return req;
}

Status run_create(const CreateOptions& o, Invocation& inv) {
  // The server may spend TimeoutSeconds booting; wait a little longer than that.
  const auto wait =
      std::max(kDefaultCreateTimeout, std::chrono::seconds(int64_t{o.timeout_seconds} + 10));
  CreateVMResponse resp;
  Status st = inv.call("CreateVM", make_create_request(o), &resp, wait);
  if (!st.ok()) return st;
  inv.output().record({{"VMID", resp.vmid()},
                       {"SocketPath", resp.socketpath()},
                       {"LogFifoPath", resp.logfifopath()},
                       {"MetricsFifoPath", resp.metricsfifopath()},
                       {"CgroupPath", resp.cgrouppath()}});
  return Status::Ok();
}

void add_create(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<CreateOptions>();
  CLI::App* sub = vm.add_subcommand("create", "Create and boot a VM (CreateVM)");
  sub->add_option("ID", o->id, "VM id")->required();
  auto* vcpus = sub->add_option("--vcpus", o->vcpus, "vCPU count (MachineCfg.VcpuCount)")
                    ->type_name("N")
                    ->check(between(1, msg::kMaxVcpus));
  auto* mem = sub->add_option("--mem", o->mem_mib, "memory in MiB (MachineCfg.MemSizeMib)")
                  ->type_name("MIB")
                  ->check(between(1, msg::kMaxMemoryMib));
  auto* kernel =
      sub->add_option("--kernel", o->kernel, "kernel image (KernelImagePath)")->type_name("PATH");
  auto* kargs = sub->add_option("--kernel-args", o->kernel_args, "kernel command line (KernelArgs)")
                    ->type_name("STR");
  auto* root =
      sub->add_option("--root-drive", o->root_drive, "root drive image (RootDrive.HostPath)")
          ->type_name("PATH");
  sub->add_flag("--root-drive-rw", o->root_drive_rw, "attach the root drive writable (IsWritable)")
      ->needs(root);
  sub->add_option("--drive", o->drives,
                  "another drive (DriveMounts), mounted in the guest at VMPATH (default "
                  "/mnt/drive<N>), read-only unless :rw; repeatable")
      ->type_name("PATH[:VMPATH][:rw|:ro]")
      ->check(drive_argument());
  auto* balloon =
      sub->add_option("--balloon-mib", o->balloon_mib, "add a balloon device of this size, MiB")
          ->type_name("MIB")
          ->check(non_negative());
  sub->add_flag("--balloon-deflate-on-oom", o->balloon_deflate_on_oom,
                "let the guest deflate the balloon when out of memory")
      ->needs(balloon);
  sub->add_option("--balloon-stats-interval", o->balloon_stats_interval,
                  "balloon statistics polling interval (StatsPollingIntervals)")
      ->type_name("SECONDS")
      ->check(non_negative())
      ->needs(balloon);
  sub->add_option("--timeout-seconds", o->timeout_seconds,
                  "how long the server may take to boot the VM (TimeoutSeconds; 0 = its default)")
      ->type_name("N");
  sub->callback([=] {
    o->has_machine = vcpus->count() > 0 || mem->count() > 0;
    o->has_kernel = kernel->count() > 0;
    o->has_kernel_args = kargs->count() > 0;
    o->has_root_drive = root->count() > 0;
    o->has_balloon = balloon->count() > 0;
    *chosen = [o](Invocation& inv) { return run_create(*o, inv); };
  });
}

struct StopOptions {
  std::string id;
  uint32_t timeout_seconds = 0;
};

void add_stop(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<StopOptions>();
  CLI::App* sub = vm.add_subcommand("stop", "Shut a VM down (StopVM)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("--timeout", o->timeout_seconds,
                  "seconds to wait for a clean shutdown before the VM is killed (TimeoutSeconds; "
                  "0 = server default)")
      ->type_name("SECONDS");
  sub->callback([=] {
    *chosen = [o](Invocation& inv) {
      StopVMRequest req;
      req.set_vmid(o->id);
      req.set_timeoutseconds(o->timeout_seconds);
      const auto wait = kDefaultCallTimeout + std::chrono::seconds(int64_t{o->timeout_seconds});
      Status st = inv.call("StopVM", req, nullptr, wait);
      if (st.ok()) inv.output().record({{"VMID", o->id}, {"Result", "stopped"}});
      // The VM is gone either way; scripts tell a kill from a failure.
      if (msg::is_forced_stop(st)) inv.set_exit_code(kExitForced);
      return st;
    };
  });
}

// pause and resume: a request holding only the VM id, and an Empty reply.
template <typename Request>
void add_simple(CLI::App& vm, Action* chosen, const char* name, const char* description,
                const char* method, const char* result) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = vm.add_subcommand(name, description);
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      Request req;
      req.set_vmid(*id);
      Status st = inv.call(method, req, nullptr, kDefaultCallTimeout);
      if (st.ok()) inv.output().record({{"VMID", *id}, {"Result", result}});
      return st;
    };
  });
}

void add_info(CLI::App& vm, Action* chosen) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = vm.add_subcommand(
      "info", "Show a VM's paths (GetVMInfo), and its state and shape (the inventory's ListVMs)");
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      GetVMInfoRequest req;
      req.set_vmid(*id);
      GetVMInfoResponse resp;
      Status st = inv.call("GetVMInfo", req, &resp, kDefaultCallTimeout);
      if (!st.ok()) return st;
      nlohmann::ordered_json fields = {{"VMID", resp.vmid()},
                                       {"SocketPath", resp.socketpath()},
                                       {"LogFifoPath", resp.logfifopath()},
                                       {"MetricsFifoPath", resp.metricsfifopath()},
                                       {"CgroupPath", resp.cgrouppath()},
                                       {"VSockPath", resp.vsockpath()}};
      // An emberd without the inventory (UNIMPLEMENTED) still shows the paths.
      Status listed = inventory_fields(inv, *id, &fields);
      if (!listed.ok() && listed.code() != Code::unimplemented) return listed;
      inv.output().record(fields);
      return st;
    };
  });
}

}  // namespace

void add_vm_lifecycle_commands(CLI::App& vm, Action* chosen) {
  add_create(vm, chosen);
  add_stop(vm, chosen);
  add_simple<PauseVMRequest>(vm, chosen, "pause", "Pause a VM's vCPUs (PauseVM)", "PauseVM",
                             "paused");
  add_simple<ResumeVMRequest>(vm, chosen, "resume", "Resume a paused VM (ResumeVM)", "ResumeVM",
                              "resumed");
  add_info(vm, chosen);
}

}  // namespace ember::ctl
