#pragma once
// `emberctl fleet members`: a fleet front's view of its members
// (ember.v1.Fleet/ListMembers). See docs/cli.md and docs/fleet.md.
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// fleet members
void add_fleet_commands(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
