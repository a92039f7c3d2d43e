#include "replay/live/live_compare.hpp"

#include <map>

namespace ember::replay::live {

LiveComparison compare(const LivePlan& plan, const LiveResult& result) {
  LiveComparison out;
  std::map<std::string, Tally> by_method;
  for (std::size_t i = 0; i < plan.calls.size() && i < result.got.size(); ++i) {
    const PlannedCall& call = plan.calls[i];
    const CallOutcome& got = result.got[i];
    Tally& tally = by_method[call.method];
    ++tally.sent;
    ++out.total.sent;
    if (!call.recorded) {
      ++tally.unrecorded;
      ++out.total.unrecorded;
    } else if (static_cast<Code>(call.recorded->code) == got.code) {
      ++tally.same;
      ++out.total.same;
    } else {
      ++tally.different;
      ++out.total.different;
      out.differences.push_back(
          Difference{call.seq, call.rpc_id, call.ns, call.vm_id, call.method, *call.recorded, got});
    }
  }
  for (auto& [method, tally] : by_method)
    out.methods.push_back(MethodTally{method, tally});
  return out;
}

}  // namespace ember::replay::live
