#include "cmd/emberctl/replay_commands.hpp"

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/replay_live_command.hpp"
#include "replay/replay.hpp"

namespace ember::ctl {
namespace {

struct SimArgs {
  std::string file;
  bool trace = false;
};

struct ExploreArgs {
  std::string file;
  uint64_t runs = 1;
  uint64_t seed = 1;
  bool trace = false;
};

Status run_sim(const SimArgs& a) {
  replay::Journal journal;
  if (Status st = replay::load_journal(a.file, &journal); !st.ok()) return st;
  replay::SimOptions options;
  if (a.trace) options.trace = &std::cout;
  replay::SimResult result = replay::simulate(journal, options);
  replay::print_divergences(result, std::cout);
  if (result.divergences.empty()) return Status::Ok();
  return Status(Code::aborted, a.file + ": the replay diverged from the recording in " +
                                   std::to_string(result.divergences.size()) + " place(s)");
}

Status run_explore(const ExploreArgs& a) {
  replay::Journal journal;
  if (Status st = replay::load_journal(a.file, &journal); !st.ok()) return st;
  if (a.trace) std::cout << replay::explore_trace(journal, a.seed, nullptr);
  replay::ExploreOptions options;
  options.seed = a.seed;
  options.runs = a.runs;
  replay::ExploreResult result = replay::explore(journal, options);
  if (!result.violation) {
    std::cout << result.runs << (result.runs == 1 ? " run" : " runs") << " (seeds " << a.seed
              << " to " << a.seed + result.runs - 1 << "): no invariant violated\n";
    return Status::Ok();
  }
  replay::print_violation(*result.violation, std::cout);
  return Status(Code::aborted, a.file + ": invariant " + result.violation->invariant +
                                   " violated with seed " + std::to_string(result.violation->seed));
}

void add_sim(CLI::App& replay, Action* chosen) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* sim = replay.add_subcommand(
      "sim", "Replay a journal in recorded order and compare every reply with the recorded one");
  sim->add_option("FILE", a->file, "journal file")->required()->check(CLI::ExistingFile);
  sim->add_flag("--trace", a->trace, "print every message delivered between actors");
  sim->callback([a, chosen] { *chosen = [a](Invocation&) { return run_sim(*a); }; });
}

void add_explore(CLI::App& replay, Action* chosen) {
  auto a = std::make_shared<ExploreArgs>();
  CLI::App* explore = replay.add_subcommand(
      "explore", "Replay a journal in orders chosen by a seeded RNG and check invariants");
  explore->add_option("FILE", a->file, "journal file")->required()->check(CLI::ExistingFile);
  explore->add_option("--runs", a->runs, "runs, with seeds S, S+1, ...")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  explore->add_option("--seed", a->seed, "seed of the first run")
      ->type_name("S")
      ->capture_default_str();
  explore->add_flag("--trace", a->trace, "print the trace of the run with seed S first");
  explore->callback([a, chosen] { *chosen = [a](Invocation&) { return run_explore(*a); }; });
}

}  // namespace

void add_replay_commands(CLI::App& root, Action* chosen) {
  CLI::App& replay = replay_group(root);
  add_sim(replay, chosen);
  add_explore(replay, chosen);
}

}  // namespace ember::ctl
