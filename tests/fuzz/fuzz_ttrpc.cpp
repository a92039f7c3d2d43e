// libFuzzer target: the input is a byte stream as a ttrpc server reads it.
// It goes through FrameDecoder twice: whole, and in pseudo-random chunk sizes
// (derived from the input, so runs are reproducible); both must yield the
// same frames. Each complete body is decoded as a Request, and a decoded
// Request must survive encode -> decode unchanged.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "io/ttrpc/frame.hpp"

using ember::ttrpc::Frame;
using ember::ttrpc::FrameDecoder;
using ember::ttrpc::kMaxBody;
using ember::ttrpc::Request;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

uint64_t fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

bool same(const Frame& a, const Frame& b) {
  return a.header.length == b.header.length && a.header.stream_id == b.header.stream_id &&
         a.header.type == b.header.type && a.header.flags == b.header.flags &&
         a.oversized == b.oversized && a.body == b.body;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in string fields makes protobuf log an error per parse.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);

  std::vector<Frame> whole;
  FrameDecoder d1;
  d1.feed(bytes, size, &whole);

  std::vector<Frame> chunked;
  FrameDecoder d2;
  uint64_t rng = fnv1a(data, size) | 1;
  size_t off = 0;
  while (off < size) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    size_t n = 1 + (rng & 1 ? (rng >> 8) % 16 : (rng >> 8) % 512);
    if (n > size - off) n = size - off;
    d2.feed(bytes + off, n, &chunked);
    off += n;
  }

  check(whole.size() == chunked.size());
  check(d1.mid_frame() == d2.mid_frame());
  for (size_t i = 0; i < whole.size(); ++i) {
    const Frame& f = whole[i];
    check(same(f, chunked[i]));
    if (f.oversized) {
      check(f.header.length > kMaxBody && f.body.empty());
      continue;
    }
    check(f.body.size() == f.header.length);
    Request req;
    if (!ember::ttrpc::decode_request(f.body, &req).ok()) continue;
    Request again;
    check(ember::ttrpc::decode_request(ember::ttrpc::encode_request(req), &again).ok());
    check(again.service == req.service && again.method == req.method &&
          again.payload == req.payload && again.timeout_nano == req.timeout_nano &&
          again.metadata == req.metadata);
    (void)req.metadata_value(ember::ttrpc::kNamespaceKey);
  }
  return 0;
}
