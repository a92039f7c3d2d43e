#pragma once
// `emberctl replay live FILE`: re-drives a journal's recorded RPCs against a
// running emberd and compares the status codes (docs/cli.md, docs/replay-live.md).
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// The `replay` group under root, added on first use: every replay command
// file gets it from here, whichever registers first.
CLI::App& replay_group(CLI::App& root);
// Adds `live` to the replay group.
void add_replay_live(CLI::App& replay, Action* chosen);
// For the command table: `replay live` under the (shared) replay group.
void add_replay_live_command(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
