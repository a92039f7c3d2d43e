// vm metadata get | set | update
#include <unistd.h>

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/json_argument.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "fccontrol.pb.h"

namespace ember::ctl {
namespace {

struct MetadataOptions {
  std::string id;
  std::string document;  // inline JSON, @path or @-
};

void add_get(CLI::App& metadata, Action* chosen) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = metadata.add_subcommand("get", "Print a VM's metadata document");
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      GetVMMetadataRequest req;
      req.set_vmid(*id);
      GetVMMetadataResponse resp;
      Status st = inv.call("GetVMMetadata", req, &resp, kDefaultCallTimeout);
      if (st.ok()) inv.output().document(resp.metadata());
      return st;
    };
  });
}

// set and update differ only in the method and message: set replaces the
// document, update merges a JSON merge patch (RFC 7396) into it.
template <typename Request>
void add_write(CLI::App& metadata, Action* chosen, const char* name, const char* description,
               const char* method, const char* result) {
  auto o = std::make_shared<MetadataOptions>();
  CLI::App* sub = metadata.add_subcommand(name, description);
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("JSON", o->document, "JSON text, @FILE to read a file, or @- for stdin")
      ->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      Request req;
      req.set_vmid(o->id);
      Status st = read_json_argument(o->document, STDIN_FILENO, req.mutable_metadata());
      if (!st.ok()) return st;
      st = inv.call(method, req, nullptr, kDefaultCallTimeout);
      if (st.ok()) inv.output().record({{"VMID", o->id}, {"Result", result}});
      return st;
    };
  });
}

}  // namespace

void add_vm_metadata_commands(CLI::App& vm, Action* chosen) {
  CLI::App* metadata = vm.add_subcommand("metadata", "Read or change a VM's metadata (JSON)");
  metadata->require_subcommand(1);
  add_get(*metadata, chosen);
  add_write<SetVMMetadataRequest>(*metadata, chosen, "set",
                                  "Replace the metadata document (SetVMMetadata)", "SetVMMetadata",
                                  "metadata set");
  add_write<UpdateVMMetadataRequest>(
      *metadata, chosen, "update", "Merge a JSON merge patch into the metadata (UpdateVMMetadata)",
      "UpdateVMMetadata", "metadata updated");
}

}  // namespace ember::ctl
