#pragma once
// ttrpc framing, without any I/O (so the fuzz target and the tests can drive
// it directly).
//
// A frame is a 10-byte big-endian header followed by `length` body bytes:
//   u32 length | u32 stream id | u8 type (1 request, 2 response) | u8 flags
// Bodies are protobuf ttrpc.Request / ttrpc.Response messages.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace ember::ttrpc {

inline constexpr size_t kHeaderSize = 10;
inline constexpr uint8_t kTypeRequest = 1;
inline constexpr uint8_t kTypeResponse = 2;
// ttrpc 1.2 streaming (containerd/ttrpc PROTOCOL.md): data frames, and the
// flags of a request (non-unary) or data frame (the sender's last).
inline constexpr uint8_t kTypeData = 3;
inline constexpr uint8_t kFlagRemoteClosed = 0x1;
inline constexpr uint8_t kFlagRemoteOpen = 0x2;
inline constexpr uint8_t kFlagNoData = 0x4;

struct FrameHeader {
  uint32_t length = 0;
  uint32_t stream_id = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
};

// Writes the 10 header bytes (big-endian) to out.
void encode_header(const FrameHeader& h, unsigned char out[kHeaderSize]);
FrameHeader decode_header(const unsigned char in[kHeaderSize]);
// Header + body as one buffer; length is taken from body.size().
std::string encode_frame(uint32_t stream_id, uint8_t type, std::string_view body,
                         uint8_t flags = 0);

struct Frame {
  FrameHeader header;
  std::string body;  // always empty when oversized
  // header.length > kMaxBody: the body is being discarded as it arrives (it
  // is never buffered). Reported as soon as the header is complete, so the
  // server can answer RESOURCE_EXHAUSTED on header.stream_id while the rest
  // of the body is still streaming in; the frames after it decode normally.
  bool oversized = false;
  // The decoder's admission check said no (a server's buffer budget is
  // spent): the body is skipped exactly like an oversized one's.
  bool refused = false;
};

// Incremental decoder: feed it whatever read() returned (a partial header,
// several frames at once, ...) and it appends each complete frame to *out.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_body = kMaxBody) : max_body_(max_body) {}

  void feed(const char* data, size_t n, std::vector<Frame>* out);
  void feed(std::string_view data, std::vector<Frame>* out) { feed(data.data(), data.size(), out); }
  // Consumes bytes up to the end of the first frame it completes (or the
  // header of an oversized or refused one) and stops there, so a caller can
  // leave the rest unread until it wants more. Returns the bytes consumed;
  // *got tells whether *out was filled.
  size_t feed_one(const char* data, size_t n, Frame* out, bool* got);
  // Called when a header within max_body is complete, before any of its body
  // is kept: false refuses the frame (reported with `refused`, body skipped).
  using Admission = std::function<bool(const FrameHeader&)>;
  void set_admission(Admission admit) { admit_ = std::move(admit); }
  // True when some bytes of an unfinished frame (header, body or a skipped
  // oversized body) were consumed: an EOF now means a truncated frame.
  bool mid_frame() const { return header_have_ > 0 || in_body_; }
  // Memory held for the frame being received. It grows with the bytes that
  // arrived, never to the announced length ahead of them.
  size_t buffered_bytes() const { return body_.capacity(); }

 private:
  // The header just completed: decides between keeping, skipping or an empty frame.
  bool start_body(Frame* out);
  void append_body(const char* data, size_t n);

  uint32_t max_body_;
  Admission admit_;
  unsigned char header_[kHeaderSize] = {};
  size_t header_have_ = 0;
  bool in_body_ = false;  // header complete; body (or skip) in progress
  bool skipping_ = false;
  FrameHeader cur_;
  std::string body_;
  uint32_t remaining_ = 0;  // body bytes still expected (or to skip)
};

// Protobuf ttrpc.Request body -> Request (peer left empty). An undecodable
// body gives INVALID_ARGUMENT. An empty body decodes as an empty Request.
Status decode_request(std::string_view body, Request* out);
// Request -> protobuf ttrpc.Request body (peer is not on the wire).
std::string encode_request(const Request& req);

// Protobuf ttrpc.Response body carrying status (code + message) and payload.
std::string encode_response(const Status& status, std::string_view payload);
// Response body -> CallResult: the status on the wire (its message made
// valid UTF-8), and the payload. An undecodable body gives false.
bool decode_response(std::string_view body, CallResult* out);

}  // namespace ember::ttrpc
