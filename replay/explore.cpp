// `replay explore`: runs seeds one after another; on a violation, shrinks the
// journal's inputs (dropping chunks while the same invariant still fails
// with the same seed) and traces the shrunk run.
#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

#include "replay/quiet_logs.hpp"
#include "replay/replay.hpp"
#include "replay/run.hpp"

namespace ember::replay {
namespace {

std::optional<Failure> run_once(const Journal& j, const Inputs& in, const ActorSet* actors,
                                uint64_t seed, const std::vector<char>* keep, std::string* trace) {
  Run run(j, in, actors, trace, keep);
  return run.explore(seed);
}

// Drops chunks of the kept inputs, halving the chunk size, while the run
// still fails with the same invariant. Returns the mask it ends with.
std::vector<char> shrink(const Journal& j, const Inputs& in, const ExploreOptions& o, uint64_t seed,
                         const std::string& invariant) {
  std::vector<char> keep(in.list.size(), 1);
  uint32_t budget = o.shrink_runs;
  for (size_t chunk = in.list.size() / 2; chunk >= 1 && budget > 0; chunk /= 2) {
    std::vector<size_t> alive;
    for (size_t i = 0; i < keep.size(); ++i)
      if (keep[i]) alive.push_back(i);
    for (size_t start = 0; start < alive.size() && budget > 0; start += chunk) {
      std::vector<char> trial = keep;
      for (size_t k = start; k < std::min(alive.size(), start + chunk); ++k)
        trial[alive[k]] = 0;
      --budget;
      auto f = run_once(j, in, o.actors, seed, &trial, nullptr);
      if (f && f->invariant == invariant) keep = std::move(trial);
    }
  }
  return keep;
}

// The lowest seed among options.seed .. +runs-1 whose run fails, or none.
// Each of `jobs` threads takes every jobs-th seed and stops past the lowest
// failure found so far, so the answer does not depend on the threads' pace.
std::optional<uint64_t> first_failing_seed(const Journal& journal, const Inputs& inputs,
                                           const ExploreOptions& o) {
  const uint64_t none = std::numeric_limits<uint64_t>::max();
  std::atomic<uint64_t> lowest{none};
  unsigned jobs = std::max(1u, o.jobs);
  auto worker = [&](unsigned t) {
    for (uint64_t r = t; r < o.runs; r += jobs) {
      uint64_t seed = o.seed + r;
      if (seed >= lowest.load()) return;
      if (!run_once(journal, inputs, o.actors, seed, nullptr, nullptr)) continue;
      for (uint64_t seen = lowest.load(); seed < seen;)
        if (lowest.compare_exchange_weak(seen, seed)) break;
      return;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t)
    threads.emplace_back(worker, t);
  worker(0);
  for (auto& th : threads)
    th.join();
  if (lowest.load() == none) return std::nullopt;
  return lowest.load();
}

}  // namespace

ExploreResult explore(const Journal& journal, const ExploreOptions& options) {
  QuietLogs quiet;
  Inputs inputs = index_inputs(journal);
  ExploreResult result;
  std::optional<uint64_t> seed = first_failing_seed(journal, inputs, options);
  result.runs = seed ? *seed - options.seed + 1 : options.runs;
  if (!seed) return result;
  auto f = run_once(journal, inputs, options.actors, *seed, nullptr, nullptr);
  Violation v;
  v.seed = *seed;
  v.invariant = f->invariant;
  v.inputs_total = inputs.list.size();
  std::vector<char> keep = shrink(journal, inputs, options, *seed, f->invariant);
  auto shrunk = run_once(journal, inputs, options.actors, *seed, &keep, &v.trace);
  v.detail = shrunk ? shrunk->detail : f->detail;
  for (size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) v.kept.push_back(inputs.list[i].record);
  v.inputs_kept = v.kept.size();
  result.violation = std::move(v);
  return result;
}

std::string explore_trace(const Journal& journal, uint64_t seed, const ActorSet* actors) {
  QuietLogs quiet;
  Inputs inputs = index_inputs(journal);
  std::string trace;
  run_once(journal, inputs, actors, seed, nullptr, &trace);
  return trace;
}

void print_violation(const Violation& v, std::ostream& out) {
  out << "invariant violated: " << v.invariant << "\n"
      << "seed: " << v.seed << " (reproduce with --seed " << v.seed << " --runs 1)\n"
      << "detail: " << v.detail << "\n"
      << "shortened trace (" << v.inputs_kept << " of " << v.inputs_total << " inputs kept):\n"
      << v.trace;
}

}  // namespace ember::replay
