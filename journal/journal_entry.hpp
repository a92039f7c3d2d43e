#pragma once
// What the taps hand to the JournalWriter: each input or reply as plain
// values, without protobuf, so recording on the hot path costs little more
// than copying a payload (short strings stay inline). The writer thread
// encodes them as Records (messages/journal.proto; journal_encoder.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "messages/vm_types.hpp"

namespace ember::journal::entry {

// Input: one fccontrol call as the I/O thread hands it to the frontend.
struct Rpc {
  uint64_t rpc_id = 0;
  uint64_t connection = 0;
  uint32_t stream_id = 0;
  std::string ns;
  msg::Method method = msg::Method::get_vm_info;
  std::string payload;
  int64_t timeout_nano = 0;
};

// Output: the answer to Rpc rpc_id.
struct Reply {
  uint64_t rpc_id = 0;
  msg::RpcReply reply;
};

// Input: a shim found at start-up, handed to the registry.
struct Adopt {
  msg::VmKey key;
  msg::ShimRecord shim;
};

// Which VM effects object a completion came from; the key is shared by all
// completions of one incarnation (no copy per record).
struct Incarnation {
  uint64_t number = 0;
  std::shared_ptr<const msg::VmKey> key;
};

struct Started {
  Incarnation of;
  int32_t code = 0;
  std::string message;
  int32_t pid = 0;
};
struct ShimReplied {
  Incarnation of;
  uint64_t call_id = 0;
  msg::RpcReply reply;
};
struct ShimExited {
  Incarnation of;
  msg::ShimExit exit;
};
struct TimerFired {
  Incarnation of;
  uint64_t token = 0;
};

using Any = std::variant<Rpc, Reply, Adopt, Started, ShimReplied, ShimExited, TimerFired>;

// An entry as queued: numbered by the writer (Record.seq, mono_nanos,
// dropped_before).
struct Numbered {
  uint64_t seq = 0;
  int64_t mono_nanos = 0;
  uint64_t dropped_before = 0;
  Any what;
};

}  // namespace ember::journal::entry
