#include "journal/journal_encoder.hpp"

#include <google/protobuf/io/coded_stream.h>

#include <string_view>

namespace ember::journal {
namespace {

// Field numbers of messages/journal.proto.
enum RecordField { kSeq = 1, kMonoNanos = 2, kDroppedBefore = 3 };
enum EntryField { kRpc = 10, kReply = 11, kAdopt = 12, kCompletion = 13, kStep = 14 };
enum EventField { kStarted = 10, kShimReply = 11, kShimExit = 12, kTimer = 13 };
constexpr int kVarint = 0;
constexpr int kLengthDelimited = 2;

size_t varint_size(uint64_t v) {
  return google::protobuf::io::CodedOutputStream::VarintSize64(v);
}
// Negative int32/int64 go on the wire as their 64-bit two's complement.
uint64_t wire(int64_t v) {
  return static_cast<uint64_t>(v);
}

// Sizes and writes of single fields (every field number here is < 16: a
// one-byte tag).
size_t uint_size(uint64_t v) {
  return v == 0 ? 0 : 1 + varint_size(v);
}
size_t bytes_size(std::string_view b) {
  return b.empty() ? 0 : 1 + varint_size(b.size()) + b.size();
}
size_t message_size(size_t len) {
  return 1 + varint_size(len) + len;  // a oneof member: present even when empty
}

class Out {
 public:
  explicit Out(std::string* s) : s_(s) {}
  void varint(uint64_t v) {
    uint8_t buf[10];
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(v, buf);
    s_->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
  }
  void uint(int field, uint64_t v) {
    if (v == 0) return;
    s_->push_back(static_cast<char>(field << 3 | kVarint));
    varint(v);
  }
  void bytes(int field, std::string_view b) {
    if (b.empty()) return;
    message(field, b.size());
    s_->append(b.data(), b.size());
  }
  void message(int field, size_t len) {
    s_->push_back(static_cast<char>(field << 3 | kLengthDelimited));
    varint(len);
  }

 private:
  std::string* s_;
};

// Each entry's message (the Record's oneof member): its size, and its fields.
struct Body {
  size_t operator()(const entry::Rpc& e) const {
    return uint_size(e.rpc_id) + uint_size(e.connection) + uint_size(e.stream_id) +
           bytes_size(e.ns) + bytes_size(msg::method_name(e.method)) + bytes_size(e.payload) +
           uint_size(wire(e.timeout_nano));
  }
  size_t operator()(const entry::Reply& e) const { return uint_size(e.rpc_id) + reply(*e.reply); }
  size_t operator()(const entry::Adopt& e) const {
    return bytes_size(e.key->ns) + bytes_size(e.key->id) + uint_size(wire(e.shim->pid)) +
           uint_size(e.shim->start_time) + bytes_size(e.shim->shim_socket) +
           bytes_size(e.shim->fccontrol_socket);
  }
  size_t operator()(const entry::Step& e) const {
    const msg::StepSink::Step& s = *e.step;
    size_t n = uint_size(s.actor) + uint_size(s.sender) + uint_size(s.kind) +
               uint_size(static_cast<uint64_t>(s.role));
    if (s.key != nullptr) n += bytes_size(s.key->ns) + bytes_size(s.key->id);
    return n;
  }
  static size_t reply(const msg::RpcReply& r) {
    return uint_size(wire(r.code)) + bytes_size(r.message) + bytes_size(r.payload);
  }
  // Completions: incarnation, ns, vm_id, then the event's message.
  static size_t completion(const entry::Incarnation& of, size_t event) {
    return uint_size(of.number) + bytes_size(of.key->ns) + bytes_size(of.key->id) +
           message_size(event);
  }
  static size_t event(const entry::Started& e) {
    return uint_size(wire(e.code)) + bytes_size(e.message) + uint_size(wire(e.pid));
  }
  static size_t event(const entry::ShimReplied& e) {
    return uint_size(e.call_id) + reply(*e.reply);
  }
  static size_t event(const entry::ShimExited& e) {
    return uint_size(wire(e.exit.code)) + uint_size(wire(e.exit.signal)) +
           uint_size(wire(e.exit.failure_code)) + bytes_size(e.exit.failure);
  }
  static size_t event(const entry::TimerFired& e) { return uint_size(e.token); }
  template <class Event>
  size_t operator()(const Event& e) const {
    return completion(e.of, event(e));
  }
};

struct Writer {
  Out& out;
  void operator()(const entry::Rpc& e) const {
    out.message(kRpc, Body()(e));
    out.uint(1, e.rpc_id);
    out.uint(2, e.connection);
    out.uint(3, e.stream_id);
    out.bytes(4, e.ns);
    out.bytes(5, msg::method_name(e.method));
    out.bytes(6, e.payload);
    out.uint(7, wire(e.timeout_nano));
  }
  void operator()(const entry::Reply& e) const {
    out.message(kReply, Body()(e));
    out.uint(1, e.rpc_id);
    reply(*e.reply, 2);
  }
  void operator()(const entry::Adopt& e) const {
    out.message(kAdopt, Body()(e));
    out.bytes(1, e.key->ns);
    out.bytes(2, e.key->id);
    out.uint(3, wire(e.shim->pid));
    out.uint(4, e.shim->start_time);
    out.bytes(5, e.shim->shim_socket);
    out.bytes(6, e.shim->fccontrol_socket);
  }
  void operator()(const entry::Step& e) const {
    const msg::StepSink::Step& s = *e.step;
    out.message(kStep, Body()(e));
    out.uint(1, s.actor);
    out.uint(2, s.sender);
    out.uint(3, s.kind);
    out.uint(4, static_cast<uint64_t>(s.role));
    if (s.key == nullptr) return;
    out.bytes(5, s.key->ns);
    out.bytes(6, s.key->id);
  }
  void operator()(const entry::Started& e) const {
    completion(e, kStarted);
    out.uint(1, wire(e.code));
    out.bytes(2, e.message);
    out.uint(3, wire(e.pid));
  }
  void operator()(const entry::ShimReplied& e) const {
    completion(e, kShimReply);
    out.uint(1, e.call_id);
    reply(*e.reply, 2);
  }
  void operator()(const entry::ShimExited& e) const {
    completion(e, kShimExit);
    out.uint(1, wire(e.exit.code));
    out.uint(2, wire(e.exit.signal));
    out.uint(3, wire(e.exit.failure_code));
    out.bytes(4, e.exit.failure);
  }
  void operator()(const entry::TimerFired& e) const {
    completion(e, kTimer);
    out.uint(1, e.token);
  }

  // code, message, payload as fields first, first + 1, first + 2.
  void reply(const msg::RpcReply& r, int first) const {
    out.uint(first, wire(r.code));
    out.bytes(first + 1, r.message);
    out.bytes(first + 2, r.payload);
  }
  template <class Event>
  void completion(const Event& e, int event_field) const {
    out.message(kCompletion, Body()(e));
    out.uint(1, e.of.number);
    out.bytes(2, e.of.key->ns);
    out.bytes(3, e.of.key->id);
    out.message(event_field, Body::event(e));
  }
};

}  // namespace

void RecordEncoder::append(const entry::Stamp& stamp, const entry::Any& what, std::string* out) {
  const size_t size = uint_size(stamp.seq) + uint_size(wire(stamp.mono_nanos)) +
                      uint_size(stamp.dropped_before) + message_size(std::visit(Body(), what));
  Out o(out);
  o.varint(size);
  o.uint(kSeq, stamp.seq);
  o.uint(kMonoNanos, wire(stamp.mono_nanos));
  o.uint(kDroppedBefore, stamp.dropped_before);
  std::visit(Writer{o}, what);
}

}  // namespace ember::journal
