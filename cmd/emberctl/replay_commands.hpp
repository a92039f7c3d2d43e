#pragma once
// `emberctl replay sim|explore FILE`: emberd's actors replayed in-process from
// a journal (docs/replay.md, docs/cli.md). `replay live` is added to the same
// group from its own file; replay_group() gives both the one `replay` command.
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// The `replay` subcommand of root, made on first use.
CLI::App& replay_group(CLI::App& root);

// Adds `replay sim` and `replay explore`.
void add_replay_commands(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
