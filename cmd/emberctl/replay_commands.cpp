#include "cmd/emberctl/replay_commands.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

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
  unsigned jobs = 0;  // 0: one per core
  bool trace = false;
};

// --json: the summary and the divergences as one object.
nlohmann::ordered_json sim_json(const replay::SimResult& r) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const replay::Divergence& d : r.divergences)
    rows.push_back({{"seq", d.seq},
                    {"vm", d.vm},
                    {"method", d.method},
                    {"recorded", d.recorded},
                    {"replayed", d.replayed}});
  return {{"inputs", r.inputs},
          {"replies_checked", r.replies_checked},
          {"dropped", r.dropped},
          {"divergences", rows}};
}

nlohmann::ordered_json explore_json(const replay::ExploreResult& r, uint64_t seed) {
  nlohmann::ordered_json out = {{"runs", r.runs}, {"first_seed", seed}, {"violation", nullptr}};
  if (const auto& v = r.violation)
    out["violation"] = {{"seed", v->seed},
                        {"invariant", v->invariant},
                        {"detail", v->detail},
                        {"inputs_total", v->inputs_total},
                        {"inputs_kept", v->inputs_kept},
                        {"trace", v->trace}};
  return out;
}

Status run_sim(const SimArgs& a, Invocation& inv) {
  replay::Journal journal;
  if (Status st = replay::load_journal(a.file, &journal); !st.ok()) return st;
  replay::SimOptions options;
  if (a.trace) options.trace = &std::cout;
  replay::SimResult result = replay::simulate(journal, options);
  if (inv.globals().json)
    inv.output().record(sim_json(result));
  else
    replay::print_divergences(result, std::cout);
  if (result.divergences.empty()) return Status::Ok();
  return Status(Code::aborted, a.file + ": the replay diverged from the recording in " +
                                   std::to_string(result.divergences.size()) + " place(s)");
}

Status run_explore(const ExploreArgs& a, Invocation& inv) {
  replay::Journal journal;
  if (Status st = replay::load_journal(a.file, &journal); !st.ok()) return st;
  if (a.trace) std::cout << replay::explore_trace(journal, a.seed, nullptr);
  replay::ExploreOptions options;
  options.seed = a.seed;
  options.runs = a.runs;
  options.jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  replay::ExploreResult result = replay::explore(journal, options);
  if (inv.globals().json) {
    inv.output().record(explore_json(result, a.seed));
  } else if (!result.violation) {
    std::cout << result.runs << (result.runs == 1 ? " run" : " runs") << " (seeds " << a.seed
              << " to " << a.seed + result.runs - 1 << "): no invariant violated\n";
  } else {
    replay::print_violation(*result.violation, std::cout);
  }
  if (!result.violation) return Status::Ok();
  return Status(Code::aborted, a.file + ": invariant " + result.violation->invariant +
                                   " violated with seed " + std::to_string(result.violation->seed));
}

void add_sim(CLI::App& replay, Action* chosen) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* sim = replay.add_subcommand(
      "sim", "Replay a journal in recorded order and compare every reply with the recorded one");
  sim->add_option("FILE", a->file, "journal file")->required()->check(CLI::ExistingFile);
  sim->add_flag("--trace", a->trace, "print every message delivered between actors");
  sim->callback([a, chosen] { *chosen = [a](Invocation& inv) { return run_sim(*a, inv); }; });
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
  explore
      ->add_option("--jobs", a->jobs,
                   "threads running seeds side by side (default: one per core); the result is "
                   "the same for any number")
      ->type_name("J")
      ->check(CLI::Range(1u, 256u));
  explore->add_flag("--trace", a->trace, "print the trace of the run with seed S first");
  explore->callback(
      [a, chosen] { *chosen = [a](Invocation& inv) { return run_explore(*a, inv); }; });
}

}  // namespace

void add_replay_commands(CLI::App& root, Action* chosen) {
  CLI::App& replay = replay_group(root);
  add_sim(replay, chosen);
  add_explore(replay, chosen);
}

}  // namespace ember::ctl
