#pragma once
// `emberctl journal on|off|rotate|status`: emberd's journal switch, over the
// ember.v1.Journal service on emberd's socket.
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

void add_journal_commands(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
