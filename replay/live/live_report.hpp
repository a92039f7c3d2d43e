#pragma once
// The output of `emberctl replay live`: every differing code, then a summary
// table per method; or the same as one JSON object (--json). Kept apart from
// the replay itself so other front ends can print results their own way.
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "replay/live/live_compare.hpp"
#include "replay/live/live_plan.hpp"
#include "replay/live/live_replayer.hpp"

namespace ember::replay::live {

struct LiveReport {
  const LivePlan& plan;
  const LiveOptions& options;
  const LiveResult& result;
  const LiveComparison& comparison;
};

nlohmann::ordered_json report_json(const LiveReport& report);
void print_report(const LiveReport& report, std::ostream& out);

}  // namespace ember::replay::live
