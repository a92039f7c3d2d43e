#pragma once
// `emberctl vm ...`: one subcommand per fccontrol method, split by topic.
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// Adds `vm` to root with every subcommand below.
void add_vm_commands(CLI::App& root, Action* chosen);

// create, stop, pause, resume, info
void add_vm_lifecycle_commands(CLI::App& vm, Action* chosen);
// metadata get|set|update
void add_vm_metadata_commands(CLI::App& vm, Action* chosen);
// balloon get|set|stats|stats-interval
void add_vm_balloon_commands(CLI::App& vm, Action* chosen);
// wait-ready: the guest's ready line (qemu backend's guest-ready file)
void add_vm_wait_ready_command(CLI::App& vm, Action* chosen);
// tombstone: how a VM that is gone ended (emberd's tombstone service)
void add_vm_tombstone_command(CLI::App& vm, Action* chosen);
// logs [-f]: the guest console (the VM dir's console.log, read directly)
void add_vm_logs_command(CLI::App& vm, Action* chosen);
// console: the serial console, interactive (the shim's console.sock)
void add_vm_console_command(CLI::App& vm, Action* chosen);
// exec ID -- CMD...: a command in the guest through its agent (agent.sock)
void add_vm_exec_command(CLI::App& vm, Action* chosen);

}  // namespace ember::ctl
