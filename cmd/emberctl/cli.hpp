#pragma once
// The emberctl program: parses the command line, runs the chosen command and
// turns its outcome into output and an exit code (see docs/cli.md).
namespace ember::ctl {

// Returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace ember::ctl
