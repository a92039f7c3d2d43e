#pragma once
// Replay of an emberd journal (messages/journal.proto) in-process, on CAF's
// deterministic test coordinator: `sim` delivers the recorded inputs in the
// recorded order and compares every reply; `explore` tries other orders the
// recording allows, from a seeded RNG, and checks invariants after every step.
// See docs/replay.md. CAF-free: emberctl includes this.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "journal.pb.h"

namespace ember::replay {

// A journal file read into memory.
struct Journal {
  journal::Header header;
  std::vector<journal::Record> records;
};

// Reads path completely; the reader's error (naming the offset) otherwise.
Status load_journal(const std::string& path, Journal* out);

// Which actor code runs; defined in replay/actor_set.hpp (CAF). Null: the
// frontend, registry and supervisor emberd runs.
struct ActorSet;

// One output that differs from the recording (or an input that could not be
// delivered). recorded/replayed read "CODE: message".
struct Divergence {
  uint64_t seq = 0;  // the Rpc record, or the undeliverable Completion
  std::string vm;    // "ns/id"
  std::string method;
  std::string recorded;
  std::string replayed;
};

struct SimOptions {
  std::ostream* trace = nullptr;  // every message delivered between actors
  const ActorSet* actors = nullptr;
};

struct SimResult {
  uint64_t inputs = 0;           // inputs delivered
  uint64_t replies_checked = 0;  // recorded replies compared
  uint64_t dropped = 0;          // records the recorder lost (Record.dropped_before)
  std::vector<Divergence> divergences;
};

SimResult simulate(const Journal& journal, const SimOptions& options);
// The divergence table (or "no divergence") and a one-line summary.
void print_divergences(const SimResult& result, std::ostream& out);

struct ExploreOptions {
  uint64_t seed = 1;  // runs use seeds seed, seed+1, ...
  uint64_t runs = 1;
  unsigned jobs = 1;  // threads running seeds side by side (the result does not depend on it)
  const ActorSet* actors = nullptr;
  uint32_t shrink_runs = 4000;  // runs the shrinking of a failure may take
};

// An invariant that failed, with what reproduces it.
struct Violation {
  uint64_t seed = 0;
  std::string invariant;  // e.g. "one-supervisor-per-vm"
  std::string detail;
  size_t inputs_total = 0;
  size_t inputs_kept = 0;    // after shrinking
  std::vector<size_t> kept;  // record indexes of the kept inputs
  std::string trace;         // the shrunk run, traced
};

struct ExploreResult {
  uint64_t runs = 0;  // seeds S .. S+runs-1 were run (the failing one last)
  std::optional<Violation> violation;
};

ExploreResult explore(const Journal& journal, const ExploreOptions& options);
// The trace of one explore run with seed (what --seed S --trace would show).
std::string explore_trace(const Journal& journal, uint64_t seed, const ActorSet* actors);
void print_violation(const Violation& v, std::ostream& out);

}  // namespace ember::replay
