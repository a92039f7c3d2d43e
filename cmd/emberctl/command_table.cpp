#include "cmd/emberctl/command_table.hpp"

#include "cmd/emberctl/bench_commands.hpp"
#include "cmd/emberctl/journal_commands.hpp"
#include "cmd/emberctl/vm_commands.hpp"

namespace ember::ctl {

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = {
      {"vm", add_vm_commands},
      {"bench", add_bench_commands},
      {"journal", add_journal_commands},
  };
  return groups;
}

}  // namespace ember::ctl
