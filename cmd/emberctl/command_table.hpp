#pragma once
// The top-level command groups of emberctl. A group is one function that adds
// its subcommands to the root; when the user picks one, its parse callback
// stores the Action to run in *chosen. Adding a group (e.g. `bench`) means a
// new file with its add function and one line in command_table.cpp.
#include <vector>

#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

using AddCommands = void (*)(CLI::App& root, Action* chosen);

struct CommandGroup {
  const char* name;  // for readers and diagnostics; the group names itself in add
  AddCommands add;
};

const std::vector<CommandGroup>& command_groups();

}  // namespace ember::ctl
