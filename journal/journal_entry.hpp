#pragma once
// What the taps hand to JournalWriter::append(): each input or reply as views
// of the values the actors get, valid for the call only. append() encodes
// the entry into the writer's queue at once (journal_encoder.hpp), so
// recording allocates nothing and copies each byte once.
#include <cstdint>
#include <string_view>
#include <variant>

#include "messages/vm_effects.hpp"
#include "messages/vm_types.hpp"

namespace ember::journal::entry {

// Input: one fccontrol call as the I/O thread hands it to the frontend.
struct Rpc {
  uint64_t rpc_id = 0;
  uint64_t connection = 0;
  uint32_t stream_id = 0;
  std::string_view ns;
  msg::Method method = msg::Method::get_vm_info;
  std::string_view payload;
  int64_t timeout_nano = 0;
};

// Output: the answer to Rpc rpc_id.
struct Reply {
  uint64_t rpc_id = 0;
  const msg::RpcReply* reply = nullptr;
};

// Input: a shim found at start-up, handed to the registry.
struct Adopt {
  const msg::VmKey* key = nullptr;
  const msg::ShimRecord* shim = nullptr;
};

// Which VM effects object a completion came from.
struct Incarnation {
  uint64_t number = 0;
  const msg::VmKey* key = nullptr;
};

struct Started {
  Incarnation of;
  int32_t code = 0;
  std::string_view message;
  int32_t pid = 0;
};
struct ShimReplied {
  Incarnation of;
  uint64_t call_id = 0;
  const msg::RpcReply* reply = nullptr;
};
struct ShimExited {
  Incarnation of;
  msg::ShimExit exit;
};
struct TimerFired {
  Incarnation of;
  uint64_t token = 0;
};

// Order: an actor is about to handle a message (msg::StepSink).
struct Step {
  const msg::StepSink::Step* step = nullptr;
};

using Any = std::variant<Rpc, Reply, Adopt, Started, ShimReplied, ShimExited, TimerFired, Step>;

// What the writer adds: Record.seq, mono_nanos, dropped_before.
struct Stamp {
  uint64_t seq = 0;
  int64_t mono_nanos = 0;
  uint64_t dropped_before = 0;
};

}  // namespace ember::journal::entry
