#pragma once
// `emberctl vm ls` and `emberctl events`: emberd's inventory service
// (ember.v1.Inventory: ListVMs, Watch). See docs/cli.md.
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// vm ls [-A] [-n NS]
void add_vm_ls_command(CLI::App& vm, Action* chosen);
// events [-A] [-n NS]
void add_events_command(CLI::App& root, Action* chosen);
// The inventory's fields of one VM for `vm info` (State, Backend, Accel,
// ...), or nothing when emberd does not list it. NOT_FOUND is not an error.
Status inventory_fields(Invocation& inv, const std::string& id, nlohmann::ordered_json* out);

}  // namespace ember::ctl
