#include "cmd/emberctl/cli.hpp"

#include <csignal>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/command_table.hpp"
#include "cmd/emberctl/invocation.hpp"
#include "cmd/emberctl/output.hpp"
#include "cmd/emberctl/usage_hint.hpp"
#include "cmd/emberctl/validators.hpp"

namespace ember::ctl {
namespace {

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--address", g.address,
                 "emberd's socket (default: the socket of the config; see --config)")
      ->type_name("PATH")
      ->check(non_empty());
  app.add_option("--config", g.config_path,
                 "config file to take the socket from (default: $EMBER_CONFIG, else the "
                 "built-in defaults for this user)")
      ->type_name("FILE");
  app.add_option("--namespace", g.ns, "containerd namespace sent with each call")
      ->type_name("NS")
      ->capture_default_str()
      ->check(namespace_name());
  app.add_flag("--json", g.json, "print results and errors as JSON objects");
  app.add_option("--timeout", g.timeout_seconds,
                 "call deadline in seconds (default: 70 for create, 30 otherwise)")
      ->type_name("SECONDS")
      ->check(deadline_seconds());
}

// CLI11 reports usage errors as exceptions; they become "error: ..." on
// stderr and exit code 2, naming the unknown word with a "did you mean" when
// there is one. --help and --version come through here too.
int usage_exit(CLI::App& app, const CLI::ParseError& e, const std::vector<std::string>& args) {
  if (e.get_exit_code() == 0) return app.exit(e);
  // Only for a word CLI11 could not place; its other errors say it better.
  const bool unplaced = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
                        (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
                         std::string(e.what()).find("subcommand") != std::string::npos);
  std::string hint = unplaced ? usage_hint(app, args) : std::string();
  std::cerr << "error: " << code_name(Code::invalid_argument) << ": "
            << (hint.empty() ? std::string(e.what()) : hint) << '\n'
            << "Run with --help for more information.\n";
  return kExitUsage;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // A peer that vanishes mid-write must surface as UNAVAILABLE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);

  GlobalOptions globals;
  Action chosen;
  CLI::App app("Command-line client for ember, the microVM control plane", "emberctl");
  // Set before subcommands exist so they inherit it: global options may also
  // follow the subcommand (emberctl vm info vm1 --json).
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("emberctl ") + EMBER_VERSION);
  add_global_options(app, globals);
  for (const CommandGroup& group : command_groups())
    group.add(app, &chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_exit(app, e, std::vector<std::string>(argv + 1, argv + argc));
  }

  Output output(globals.json, std::cout, std::cerr);
  // Every group requires a leaf subcommand, and each leaf sets an action.
  Status status = Status::Internal("emberctl: the command line selected no action");
  std::optional<int> exit_code;
  if (chosen) {
    try {
      Invocation invocation(globals, output);
      status = chosen(invocation);
      exit_code = invocation.exit_code();
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("emberctl: ") + e.what());
    }
  }
  if (!status.ok()) output.error(status);
  return exit_code.value_or(exit_code_for(status));
}

}  // namespace ember::ctl
