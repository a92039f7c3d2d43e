#include "cmd/emberctl/replay_live_command.hpp"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "replay/live/live_compare.hpp"
#include "replay/live/live_plan.hpp"
#include "replay/live/live_replayer.hpp"
#include "replay/live/live_report.hpp"
#include "replay/live/progress_bar.hpp"

namespace ember::ctl {
namespace {

namespace live = replay::live;

struct LiveCommand {
  std::string journal;
  double speed = 1.0;
  bool fast = false;
};

void print(const live::LiveReport& report, bool json) {
  if (json) {
    std::cout << report_json(report).dump(-1, ' ', false,
                                          nlohmann::ordered_json::error_handler_t::replace)
              << '\n';
  } else {
    print_report(report, std::cout);
  }
}

// Exit codes: 0 every recorded code reproduced, 1 some differ, 2 the journal
// (or the command line) is unusable, 3 emberd unreachable.
Status run_replay_live(const LiveCommand& c, Invocation& inv) {
  const GlobalOptions& g = inv.globals();
  if (g.address.empty()) {
    inv.set_exit_code(kExitUsage);
    return Status::InvalidArgument(
        "replay live needs --address: the socket of the emberd to replay against");
  }
  live::LivePlan plan;
  if (Status st = live::read_live_plan(c.journal, &plan); !st.ok()) {
    inv.set_exit_code(kExitUsage);
    return st;
  }
  live::ProgressBar bar(std::cerr, ::isatty(STDERR_FILENO) == 1);
  live::LiveOptions options;
  options.address = g.address;
  options.speed = c.speed;
  options.fast = c.fast;
  options.on_progress = [&bar](std::size_t done, std::size_t total) { bar.update(done, total); };
  live::LiveResult result;
  Status st = live::LiveReplayer(options).run(plan, &result);
  bar.finish();
  if (!st.ok()) return st;
  const live::LiveComparison comparison = live::compare(plan, result);
  print(live::LiveReport{plan, options, result, comparison}, g.json);
  if (comparison.total.different > 0) inv.set_exit_code(kExitFailed);
  return Status::Ok();
}

}  // namespace

CLI::App& replay_group(CLI::App& root) {
  auto named_replay = [](CLI::App* app) { return app->get_name() == "replay"; };
  std::vector<CLI::App*> found = root.get_subcommands(named_replay);
  if (!found.empty()) return *found.front();
  CLI::App* replay = root.add_subcommand("replay", "Replay a journal of emberd (docs/replay.md)");
  replay->require_subcommand(1);
  return *replay;
}

void add_replay_live(CLI::App& replay, Action* chosen) {
  auto c = std::make_shared<LiveCommand>();
  CLI::App* sub = replay.add_subcommand(
      "live", "Re-drive a journal's recorded calls against a running emberd (--address)");
  sub->add_option("FILE", c->journal, "journal file written by emberd")
      ->required()
      ->type_name("FILE");
  CLI::Option* speed =
      sub->add_option("--speed", c->speed, "divide the recorded gaps between calls by X")
          ->type_name("X")
          ->capture_default_str()
          ->check(CLI::Range(0.001, 1000000.0));
  sub->add_flag("--fast", c->fast, "ignore the recorded gaps: as fast as the VMs' order allows")
      ->excludes(speed);
  sub->callback(
      [c, chosen] { *chosen = [c](Invocation& inv) { return run_replay_live(*c, inv); }; });
}

void add_replay_live_command(CLI::App& root, Action* chosen) {
  add_replay_live(replay_group(root), chosen);
}

}  // namespace ember::ctl
