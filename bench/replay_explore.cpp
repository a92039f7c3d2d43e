// replay_explore: runs per second of `replay explore` on a generated journal
// of about 1,000 records (50 VMs, each created, asked GetVMInfo 4 times and
// stopped, their calls interleaved), with explore's --jobs threads (each run
// its own actor system). Prints one JSON object on stdout.
// --write FILE saves the journal for `emberctl replay explore FILE`.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "replay/replay.hpp"
#include "tests/replay/journal_builder.hpp"

namespace {

struct Options {
  int vms = 50;
  int infos = 4;
  uint64_t runs = 2000;
  unsigned jobs = 1;
  std::string write;
};

// CPU seconds this process used so far: on a shared machine the rate per CPU
// second is what other load does not change.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("Runs per second of replay explore on a generated journal", "replay_explore");
  app.add_option("--vms", o.vms, "VMs in the journal")->capture_default_str();
  app.add_option("--infos", o.infos, "GetVMInfo calls per VM")->capture_default_str();
  app.add_option("--runs", o.runs, "explore runs")->capture_default_str();
  app.add_option("--jobs", o.jobs, "threads (explore --jobs)")->capture_default_str();
  app.add_option("--write", o.write, "also write the journal to FILE")->type_name("FILE");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::off);
  ember::replaytest::JournalBuilder builder = ember::replaytest::fleet_journal(o.vms, o.infos);
  if (!o.write.empty() && !builder.write(o.write)) {
    std::cerr << "cannot write " << o.write << "\n";
    return 1;
  }
  const ember::replay::Journal journal = builder.journal();
  ember::replay::ExploreOptions eo;
  eo.seed = 1;
  eo.runs = o.runs;
  eo.jobs = o.jobs;
  eo.shrink_runs = 0;
  auto start = std::chrono::steady_clock::now();
  double cpu_start = cpu_seconds();
  ember::replay::ExploreResult result = ember::replay::explore(journal, eo);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_start;
  uint64_t runs = result.runs;
  bool violated = result.violation.has_value();
  nlohmann::ordered_json out = {
      {"bench", "replay_explore"},
      {"records", journal.records.size()},
      {"vms", o.vms},
      {"jobs", o.jobs},
      {"runs", runs},
      {"seconds", seconds},
      {"runs_per_second", static_cast<double>(runs) / seconds},
      {"cpu_seconds", cpu},
      {"runs_per_cpu_second", static_cast<double>(runs) / cpu},
      {"violations", violated},
  };
  std::cout << out.dump() << "\n";
  return violated ? 1 : 0;
}
