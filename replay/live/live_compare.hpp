#pragma once
// Compares what a live replay got with what the journal recorded: every call
// whose status code differs, and a per-method tally.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "replay/live/live_plan.hpp"
#include "replay/live/live_replayer.hpp"

namespace ember::replay::live {

struct Difference {
  uint64_t seq = 0;
  uint64_t rpc_id = 0;
  std::string ns;
  std::string vm_id;
  std::string method;
  RecordedReply recorded;
  CallOutcome got;
};

struct Tally {
  std::size_t sent = 0;
  std::size_t same = 0;        // the recorded code
  std::size_t different = 0;   // another code
  std::size_t unrecorded = 0;  // no Reply in the journal to compare with
};

struct MethodTally {
  std::string method;
  Tally tally;
};

struct LiveComparison {
  std::vector<Difference> differences;  // in recorded order
  std::vector<MethodTally> methods;     // by method name
  Tally total;
};

// Codes only: messages name paths and pids that differ from run to run.
LiveComparison compare(const LivePlan& plan, const LiveResult& result);

}  // namespace ember::replay::live
