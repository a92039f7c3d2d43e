#pragma once
// LiveReplayer: re-drives the calls of a LivePlan against a running emberd
// over its unix socket, keeping each VM's recorded order and the recorded
// overlap between VMs, and collects the status each call got.
//
// Ordering: the calls of one (namespace, VM id) are sent in recorded order;
// a call whose predecessor was answered before it was sent in the recording
// waits for that answer here too. Calls of different VMs are independent,
// so they overlap as they did. Timing: each call is sent no earlier than its
// recorded offset from the first call divided by `speed`, or as soon as the
// ordering allows with `fast`.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "replay/live/live_plan.hpp"

namespace ember::replay::live {

struct LiveOptions {
  std::string address;  // emberd's socket
  double speed = 1.0;   // > 0; recorded gaps are divided by it
  bool fast = false;    // ignore the recorded gaps
  // Called on the replay's I/O thread after each answer (answered, total).
  std::function<void(std::size_t, std::size_t)> on_progress;
};

// What one call got back.
struct CallOutcome {
  Code code = Code::ok;
  std::string message;
};

struct LiveResult {
  std::vector<CallOutcome> got;         // one per LivePlan::calls, same index
  std::chrono::nanoseconds elapsed{0};  // first send to last answer
};

class LiveReplayer {
 public:
  explicit LiveReplayer(LiveOptions options);

  // Connects to options.address over one ttrpc connection, sends every call
  // of plan (each with its recorded namespace and timeout_nano as deadline)
  // and returns once all are answered. UNAVAILABLE "cannot connect to
  // <address>: ..." when there is no server; a connection lost midway is not
  // an error here: the calls it took get UNAVAILABLE as their outcome.
  Status run(const LivePlan& plan, LiveResult* out);

 private:
  struct Run;
  LiveOptions options_;
};

}  // namespace ember::replay::live
