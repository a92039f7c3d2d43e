#pragma once
// `emberctl replay sim|explore FILE`: emberd's actors replayed in-process from
// a journal (docs/replay.md, docs/cli.md). They join `replay live` in the one
// `replay` group (replay_group(), replay_live_command.hpp).
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// Adds `replay sim` and `replay explore`.
void add_replay_commands(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
