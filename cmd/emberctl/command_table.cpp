#include "cmd/emberctl/command_table.hpp"

#include "cmd/emberctl/bench_commands.hpp"
#include "cmd/emberctl/fleet_commands.hpp"
#include "cmd/emberctl/inventory_commands.hpp"
#include "cmd/emberctl/journal_commands.hpp"
#include "cmd/emberctl/replay_commands.hpp"
#include "cmd/emberctl/replay_live_command.hpp"
#include "cmd/emberctl/vm_commands.hpp"

namespace ember::ctl {

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = {
      {"vm", add_vm_commands},
      {"bench", add_bench_commands},
      {"replay sim, replay explore", add_replay_commands},
      {"replay live", add_replay_live_command},
      {"journal", add_journal_commands},
      {"events", add_events_command},
      {"fleet", add_fleet_commands},
  };
  return groups;
}

}  // namespace ember::ctl
