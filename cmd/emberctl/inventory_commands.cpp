// vm ls, events, and the inventory's part of vm info.
#include "cmd/emberctl/inventory_commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ember_inventory.pb.h"
#include "messages/ember_inventory.hpp"
#include "messages/vm_inventory.hpp"

namespace ember::ctl {
namespace {

struct Scope {
  bool all = false;
  std::string ns;  // -n; "" = --namespace
};

void add_scope_options(CLI::App& sub, Scope& scope) {
  sub.add_flag("-A,--all-namespaces", scope.all, "every namespace");
  sub.add_option("-n", scope.ns, "this namespace (default: --namespace)")->type_name("NS");
}

void apply(const Scope& scope, Invocation& inv) {
  if (!scope.ns.empty()) inv.use_namespace(scope.ns);
}

// ember.v1.VMState is numbered as msg::VmState.
std::string state_name(v1::VMState s) {
  if (s < v1::CREATING || s > v1::BOOT_FAILED) return "unknown";
  return msg::to_string(static_cast<msg::VmState>(s));
}

int64_t now_unix_nano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "3d4h", "2h5m", "4m10s", "12s"; "-" before the VM was created.
std::string uptime(int64_t started_unix_nano) {
  if (started_unix_nano <= 0) return "-";
  int64_t s = std::max<int64_t>(0, (now_unix_nano() - started_unix_nano) / 1000000000);
  auto two = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    return std::to_string(a) + ua + std::to_string(b) + ub;
  };
  if (s >= 86400) return two(s / 86400, "d", s % 86400 / 3600, "h");
  if (s >= 3600) return two(s / 3600, "h", s % 3600 / 60, "m");
  if (s >= 60) return two(s / 60, "m", s % 60, "s");
  return std::to_string(s) + "s";
}

// The accelerator, with why TCG when /dev/kvm exists (without one, TCG
// needs no explanation).
std::string accel(const v1::VMSummary& vm) {
  if (vm.accel().empty()) return "-";
  if (vm.accelreason().empty() || vm.accelreason() == "no /dev/kvm") return vm.accel();
  return vm.accel() + " (" + vm.accelreason() + ")";
}

nlohmann::ordered_json fields_of(const v1::VMSummary& vm) {
  nlohmann::ordered_json out = {{"Namespace", vm.namespace_()},
                                {"VMID", vm.vmid()},
                                {"State", state_name(vm.state())},
                                {"StateReason", vm.statereason()},
                                {"Backend", vm.backend()},
                                {"Accel", vm.accel()},
                                {"AccelReason", vm.accelreason()},
                                {"VcpuCount", vm.vcpucount()},
                                {"MemSizeMib", vm.memsizemib()},
                                {"ShimPid", vm.shimpid()},
                                {"VmmPid", vm.vmmpid()},
                                {"StartedUnixNano", vm.startedunixnano()},
                                {"Uptime", uptime(vm.startedunixnano())}};
  // Through a fleet front only: a single host's output is unchanged.
  if (!vm.member().empty()) {
    out["Member"] = vm.member();
    out["Conflict"] = vm.conflict();
  }
  return out;
}

std::string pid(int32_t p) {
  return p > 0 ? std::to_string(p) : "-";
}

}  // namespace

std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(width[i] - row[i].size() + 3, ' ');
    }
    out << '\n';
  }
  return out.str();
}

namespace {

// "m2", or "m2 (conflict)" for a losing copy (docs/fleet.md).
std::string member_cell(const v1::VMSummary& vm) {
  return vm.conflict() ? vm.member() + " (conflict)" : vm.member();
}

void print_list(const v1::ListVMsResponse& list, Output& out, bool json) {
  if (json) {
    nlohmann::ordered_json vms = nlohmann::ordered_json::array();
    for (const auto& vm : list.vms())
      vms.push_back(fields_of(vm));
    out.record({{"VMs", vms}});
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAMESPACE", "ID", "STATE", "BACKEND", "ACCEL", "VCPUS", "MEMORY", "SHIM", "VMM", "UPTIME"}};
  // Through a fleet front, each VM's member (docs/fleet.md).
  const bool members = std::any_of(list.vms().begin(), list.vms().end(),
                                   [](const v1::VMSummary& vm) { return !vm.member().empty(); });
  if (members) rows[0].insert(rows[0].begin() + 2, "MEMBER");
  for (const auto& vm : list.vms()) {
    rows.push_back({vm.namespace_(), vm.vmid(), state_name(vm.state()),
                    vm.backend().empty() ? "-" : vm.backend(), accel(vm),
                    vm.vcpucount() ? std::to_string(vm.vcpucount()) : "-",
                    vm.memsizemib() ? std::to_string(vm.memsizemib()) + " MiB" : "-",
                    pid(vm.shimpid()), pid(vm.vmmpid()), uptime(vm.startedunixnano())});
    if (members) rows.back().insert(rows.back().begin() + 2, member_cell(vm));
  }
  out.text(text_table(rows));
}

// "2026-12-01T16:59:00.123Z"
std::string utc(int64_t unix_nano) {
  std::time_t secs = static_cast<std::time_t>(unix_nano / 1000000000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_nano / 1000000 % 1000));
  return std::string(buf) + ms;
}

void print_event(const v1::VMEvent& e, Output& out, bool json) {
  if (json) {
    out.record({{"Timestamp", utc(e.timestampunixnano())},
                {"Type", e.type()},
                {"Cause", e.cause()},
                {"VM", fields_of(e.vm())}});
    return;
  }
  std::string line = utc(e.timestampunixnano()) + "  " + e.vm().namespace_() + "/" + e.vm().vmid() +
                     "  " + e.type() + "  state=" + state_name(e.vm().state());
  if (!e.cause().empty()) line += "  cause=\"" + e.cause() + "\"";
  out.text(line + "\n");
}

}  // namespace

void add_vm_ls_command(CLI::App& vm, Action* chosen) {
  auto scope = std::make_shared<Scope>();
  CLI::App* sub = vm.add_subcommand(
      "ls",
      "List the VMs with their state and shape, and through a fleet front their member "
      "(ListVMs)");
  sub->alias("list");
  add_scope_options(*sub, *scope);
  sub->callback([=] {
    *chosen = [scope](Invocation& inv) {
      apply(*scope, inv);
      v1::ListVMsRequest req;
      req.set_allnamespaces(scope->all);
      v1::ListVMsResponse list;
      Status st = inv.call_service(msg::kInventoryService, msg::kInventoryListVMs, req, &list,
                                   kDefaultCallTimeout);
      if (st.ok()) print_list(list, inv.output(), inv.globals().json);
      return st;
    };
  });
}

void add_events_command(CLI::App& root, Action* chosen) {
  auto scope = std::make_shared<Scope>();
  CLI::App* sub = root.add_subcommand(
      "events",
      "Follow VM state changes: create, booting, ready, boot-failed, pause, resume, "
      "stop, exit (with its cause), adopt (Watch)");
  add_scope_options(*sub, *scope);
  sub->callback([=] {
    *chosen = [scope](Invocation& inv) {
      apply(*scope, inv);
      v1::WatchRequest req;
      req.set_allnamespaces(scope->all);
      const bool json = inv.globals().json;
      Output& out = inv.output();
      return inv.stream_service(msg::kInventoryService, msg::kInventoryWatch, req,
                                [&out, json](const std::string& data) {
                                  v1::VMEvent e;
                                  if (e.ParseFromString(data)) print_event(e, out, json);
                                });
    };
  });
}

Status inventory_fields(Invocation& inv, const std::string& id, nlohmann::ordered_json* out) {
  v1::ListVMsRequest req;
  v1::ListVMsResponse list;
  Status st = inv.call_service(msg::kInventoryService, msg::kInventoryListVMs, req, &list,
                               kDefaultCallTimeout);
  if (!st.ok()) return st;
  for (const auto& vm : list.vms()) {
    if (vm.vmid() != id) continue;
    const nlohmann::ordered_json fields = fields_of(vm);
    for (const auto& item : fields.items())
      if (item.key() != "Namespace" && item.key() != "VMID") (*out)[item.key()] = item.value();
  }
  return Status::Ok();
}

}  // namespace ember::ctl
