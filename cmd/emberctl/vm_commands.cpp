#include "cmd/emberctl/vm_commands.hpp"

#include "cmd/emberctl/inventory_commands.hpp"

#include <CLI/CLI.hpp>

namespace ember::ctl {

void add_vm_commands(CLI::App& root, Action* chosen) {
  CLI::App* vm = root.add_subcommand("vm", "Manage microVMs (the fccontrol API)");
  vm->require_subcommand(1);
  add_vm_lifecycle_commands(*vm, chosen);
  add_vm_metadata_commands(*vm, chosen);
  add_vm_balloon_commands(*vm, chosen);
  add_vm_wait_ready_command(*vm, chosen);
  add_vm_ls_command(*vm, chosen);
  add_vm_tombstone_command(*vm, chosen);
  add_vm_logs_command(*vm, chosen);
  add_vm_console_command(*vm, chosen);
  add_vm_exec_command(*vm, chosen);
}

}  // namespace ember::ctl
