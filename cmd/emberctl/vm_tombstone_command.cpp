// vm tombstone: how a VM that is gone ended (emberd's "ember.v1.Tombstones"
// service; docs/operations.md#consoles-logs-and-post-mortems).
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cmd/emberctl/vm_commands.hpp"
#include "ember_tombstone_service.pb.h"
#include "messages/ember_tombstone_service.hpp"

namespace ember::ctl {
namespace {

struct TombstoneOptions {
  std::string id;
  std::string ns;  // "": --namespace
  bool all = false;
};

// A record's field; null when it is missing (an older or newer emberd).
nlohmann::ordered_json field(const nlohmann::ordered_json& t, const char* key) {
  auto i = t.find(key);
  return i != t.end() ? *i : nlohmann::ordered_json(nullptr);
}

std::string text_or_dash(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : std::string("-");
}

std::string shim_exit_text(const nlohmann::ordered_json& e) {
  if (!e.is_object()) return "-";
  const int signal = e.value("signal", 0);
  return signal != 0 ? "signal " + std::to_string(signal)
                     : "code " + std::to_string(e.value("code", 0));
}

// Human form: the facts as fields, then the console tail as the guest wrote it.
void print_human(Output& out, const nlohmann::ordered_json& t) {
  out.record({{"Namespace", text_or_dash(field(t, "namespace"))},
              {"VMID", text_or_dash(field(t, "id"))},
              {"Backend", text_or_dash(field(t, "backend"))},
              {"Cause", text_or_dash(field(t, "cause"))},
              {"Detail", text_or_dash(field(t, "detail"))},
              {"ShimExit", shim_exit_text(field(t, "shim_exit"))},
              {"VmmExit", text_or_dash(field(t, "vmm_exit"))},
              {"Created", text_or_dash(field(t, "created"))},
              {"Ready", text_or_dash(field(t, "ready"))},
              {"Exited", text_or_dash(field(t, "exited"))}});
  const std::string tail = t.value("console_tail", std::string());
  if (!t.value("has_console", false)) {
    out.text("ConsoleTail: none (the VM had no console)\n");
    return;
  }
  out.text("ConsoleTail: last " + std::to_string(tail.size()) + " bytes\n" + tail);
  if (!tail.empty() && tail.back() != '\n') out.text("\n");
}

Status run_tombstone(const TombstoneOptions& o, Invocation& inv) {
  v1::TombstoneRequest req;
  req.set_namespace_(o.ns.empty() ? inv.globals().ns : o.ns);
  req.set_vm_id(o.id);
  req.set_all(o.all);
  v1::TombstoneResponse resp;
  Status s =
      inv.call_service(msg::kTombstoneService, msg::kTombstoneGet, req, &resp, kDefaultCallTimeout);
  if (!s.ok()) return s;
  bool first = true;
  for (const auto& text : resp.records()) {
    auto t = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (t.is_discarded()) return Status::Internal("emberd sent a tombstone that is not JSON");
    if (inv.output().json()) {
      inv.output().record(t);
      continue;
    }
    if (!first) inv.output().text("\n");
    first = false;
    print_human(inv.output(), t);
  }
  return Status::Ok();
}

}  // namespace

void add_vm_tombstone_command(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<TombstoneOptions>();
  CLI::App* sub = vm.add_subcommand(
      "tombstone", "Show how a VM ended: cause, times and console tail (the newest record)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("-n", o->ns, "namespace (default: --namespace)");
  sub->add_flag("--all", o->all, "every record kept for the VM, newest first");
  sub->callback([o, chosen] { *chosen = [o](Invocation& inv) { return run_tombstone(*o, inv); }; });
}

}  // namespace ember::ctl
