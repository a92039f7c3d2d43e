#pragma once
// `emberctl vm ls` and `emberctl events`: emberd's inventory service
// (ember.v1.Inventory: ListVMs, Watch). See docs/cli.md.
#include <string>
#include <vector>

#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// vm ls [-A] [-n NS] (alias: vm list)
void add_vm_ls_command(CLI::App& vm, Action* chosen);
// events [-A] [-n NS]
void add_events_command(CLI::App& root, Action* chosen);
// The inventory's fields of one VM for `vm info` (State, Backend, Accel,
// ...), or nothing when emberd does not list it. NOT_FOUND is not an error.
Status inventory_fields(Invocation& inv, const std::string& id, nlohmann::ordered_json* out);
// Rows as text, each column padded to its widest cell.
std::string text_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ember::ctl
