#pragma once
// LivePlan: the recorded RPCs of a journal, ready to be re-driven against a
// running emberd: each call with its recorded reply, its VM, when it was sent
// and which earlier call of the same VM it has to wait for.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::replay::live {

// What the recording says a call was answered.
struct RecordedReply {
  int32_t code = 0;
  std::string message;
};

struct PlannedCall {
  uint64_t seq = 0;        // of the Rpc record
  uint64_t rpc_id = 0;     // Rpc.rpc_id; the recorded Reply refers to it
  int64_t sent_nanos = 0;  // Record.mono_nanos of the Rpc
  std::string ns;
  std::string vm_id;  // "" when the payload names no VM (bad payload, unknown method)
  std::string method;
  std::string payload;
  int64_t timeout_nano = 0;               // 0: no deadline
  std::optional<RecordedReply> recorded;  // absent: the journal holds no Reply
  // The previous call of the same (ns, vm_id), or npos for the VM's first.
  std::size_t previous = kNone;
  // True when the recording answered `previous` before this call was sent:
  // the replay then waits for that answer too, not only for its sending.
  bool after_answer = false;
  // Replies the journal holds before this call was sent. The replay sends it
  // only once as many calls were answered, so no more calls are in flight
  // than were recorded (emberd's create limits see the recorded load).
  uint64_t replies_before = 0;

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
};

struct LivePlan {
  std::string path;
  std::vector<PlannedCall> calls;  // in recorded order (Rpc records)
  std::size_t vm_count = 0;        // distinct (ns, vm_id)
  uint64_t dropped_records = 0;    // sum of Record.dropped_before
};

// Reads the journal at path. Errors are the reader's (NOT_FOUND naming the
// path, INVALID_ARGUMENT "<path>: truncated record at offset N", ...).
Status read_live_plan(const std::string& path, LivePlan* out);

}  // namespace ember::replay::live
