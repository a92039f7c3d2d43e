// The frame codec: header layout, incremental decoding, oversized frames, and
// the Request/Response bodies.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <random>
#include <thread>

#include "io/ttrpc/frame.hpp"
#include "test_util.hpp"

namespace ember::ttrpc {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b)
    s.push_back(static_cast<char>(c));
  return s;
}

TEST(FrameTest, HeaderFieldsAreBigEndian) {
  std::string f = encode_frame(0x01020304, kTypeResponse, "abc", 0x05);
  EXPECT_EQ(f, Bytes({0, 0, 0, 3, 1, 2, 3, 4, 2, 5}) + "abc");

  FrameHeader h = decode_header(reinterpret_cast<const unsigned char*>(
      Bytes({0xA1, 0xB2, 0xC3, 0xD4, 0x80, 0x00, 0x00, 0x01, 1, 0xFF}).data()));
  EXPECT_EQ(h.length, 0xA1B2C3D4u);
  EXPECT_EQ(h.stream_id, 0x80000001u);
  EXPECT_EQ(h.type, kTypeRequest);
  EXPECT_EQ(h.flags, 0xFF);

  unsigned char out[kHeaderSize];
  encode_header(h, out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), kHeaderSize),
            Bytes({0xA1, 0xB2, 0xC3, 0xD4, 0x80, 0x00, 0x00, 0x01, 1, 0xFF}));
}

TEST(FrameTest, DecodesByteByByte) {
  std::string stream = encode_frame(1, kTypeRequest, "hello") + encode_frame(3, kTypeRequest, "") +
                       encode_frame(5, kTypeRequest, std::string(300, 'x'));
  FrameDecoder d;
  std::vector<Frame> frames;
  for (size_t i = 0; i < stream.size(); ++i) {
    d.feed(&stream[i], 1, &frames);
    if (i == 0 || i == 13) {
      EXPECT_TRUE(d.mid_frame()) << i;
      EXPECT_TRUE(frames.empty());
    }
    if (i == 14) {  // 10 + 5 bytes: the first frame is complete
      EXPECT_FALSE(d.mid_frame());
      EXPECT_EQ(frames.size(), 1u);
    }
  }
  EXPECT_FALSE(d.mid_frame());
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].header.stream_id, 1u);
  EXPECT_EQ(frames[0].body, "hello");
  EXPECT_EQ(frames[1].header.stream_id, 3u);
  EXPECT_EQ(frames[1].body, "");
  EXPECT_EQ(frames[2].body, std::string(300, 'x'));
  for (auto& f : frames)
    EXPECT_FALSE(f.oversized);
}

TEST(FrameTest, SeveralFramesInOneChunkAndATrailingPartial) {
  std::string stream;
  for (uint32_t i = 0; i < 10; ++i) {
    stream += encode_frame(2 * i + 1, kTypeRequest, std::string(i, char('a' + i)));
  }
  std::string next = encode_frame(99, kTypeRequest, "tail");
  FrameDecoder d;
  std::vector<Frame> frames;
  d.feed(stream + next.substr(0, 7), &frames);
  ASSERT_EQ(frames.size(), 10u);
  EXPECT_TRUE(d.mid_frame());
  for (uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(frames[i].header.stream_id, 2 * i + 1);
    EXPECT_EQ(frames[i].body, std::string(i, char('a' + i)));
  }
  d.feed(next.substr(7), &frames);
  ASSERT_EQ(frames.size(), 11u);
  EXPECT_EQ(frames[10].body, "tail");
  EXPECT_FALSE(d.mid_frame());
}

TEST(FrameTest, OversizedFrameIsReportedAtItsHeaderSkippedAndTheNextDecoded) {
  FrameHeader h;
  h.length = kMaxBody + 1;
  h.stream_id = 7;
  h.type = kTypeRequest;
  unsigned char hdr[kHeaderSize];
  encode_header(h, hdr);

  FrameDecoder d;
  std::vector<Frame> frames;
  d.feed(reinterpret_cast<char*>(hdr), kHeaderSize, &frames);
  // Reported before any of its body arrived.
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].oversized);
  EXPECT_EQ(frames[0].header.stream_id, 7u);
  EXPECT_EQ(frames[0].header.length, kMaxBody + 1);
  EXPECT_TRUE(frames[0].body.empty());
  EXPECT_TRUE(d.mid_frame());

  std::string chunk(64 * 1024, 'z');
  size_t left = kMaxBody + 1;
  while (left > chunk.size()) {
    d.feed(chunk, &frames);
    left -= chunk.size();
  }
  // The last piece of the skipped body arrives together with the next frame.
  d.feed(chunk.substr(0, left) + encode_frame(9, kTypeRequest, "next"), &frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_FALSE(frames[1].oversized);
  EXPECT_EQ(frames[1].header.stream_id, 9u);
  EXPECT_EQ(frames[1].body, "next");
  EXPECT_FALSE(d.mid_frame());
}

TEST(FrameTest, ExactlyMaxBodyIsAccepted) {
  std::string body(kMaxBody, 'q');
  FrameDecoder d;
  std::vector<Frame> frames;
  d.feed(encode_frame(1, kTypeRequest, body), &frames);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(frames[0].oversized);
  EXPECT_EQ(frames[0].body.size(), kMaxBody);
}

// Frames written through a real socketpair in random-sized writes and read
// back in random-sized reads.
TEST(FrameTest, OverASocketpairWithRandomReadSizes) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd a(sv[0]), b(sv[1]);

  std::mt19937 rng(42);
  std::vector<std::string> bodies;
  std::string stream;
  for (int i = 0; i < 200; ++i) {
    std::string body(rng() % 5000, '\0');
    for (auto& c : body)
      c = static_cast<char>(rng());
    stream += encode_frame(2 * i + 1, kTypeRequest, body);
    bodies.push_back(std::move(body));
  }
  std::thread writer([&] {
    std::mt19937 wrng(7);
    size_t off = 0;
    while (off < stream.size()) {
      size_t n = std::min<size_t>(1 + wrng() % 3000, stream.size() - off);
      ASSERT_TRUE(testing::send_all(a.get(), std::string_view(stream).substr(off, n)));
      off += n;
    }
    a.reset();
  });

  FrameDecoder d;
  std::vector<Frame> frames;
  std::vector<char> buf(4096);
  for (;;) {
    size_t want = 1 + rng() % buf.size();
    ssize_t n = ::read(b.get(), buf.data(), want);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GE(n, 0);
    if (n == 0) break;
    d.feed(buf.data(), static_cast<size_t>(n), &frames);
  }
  writer.join();
  EXPECT_FALSE(d.mid_frame());
  ASSERT_EQ(frames.size(), bodies.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].header.stream_id, 2 * i + 1);
    EXPECT_EQ(frames[i].body, bodies[i]);
  }
}

TEST(FrameTest, RequestRoundTrip) {
  Request in;
  in.service = "Firecracker";
  in.method = "GetVMInfo";
  in.payload = std::string("\0\1\2", 3);
  in.timeout_nano = 1000000000;
  in.metadata = {{kNamespaceKey, "default"}, {"k", "v1"}, {"k", "v2"}};
  std::string body = encode_request(in);

  Request out;
  ASSERT_TRUE(decode_request(body, &out).ok());
  EXPECT_EQ(out.service, in.service);
  EXPECT_EQ(out.method, in.method);
  EXPECT_EQ(out.payload, in.payload);
  EXPECT_EQ(out.timeout_nano, in.timeout_nano);
  EXPECT_EQ(out.metadata, in.metadata);
  EXPECT_EQ(out.metadata_value(kNamespaceKey), "default");
  EXPECT_EQ(out.metadata_value("k"), "v1");
  EXPECT_EQ(out.metadata_value("absent"), "");
}

TEST(FrameTest, EmptyBodyIsAnEmptyRequest) {
  Request out;
  out.service = "stale";
  ASSERT_TRUE(decode_request("", &out).ok());
  EXPECT_EQ(out.service, "");
  EXPECT_EQ(out.method, "");
  EXPECT_EQ(out.timeout_nano, 0);
}

TEST(FrameTest, GarbageBodyIsInvalidArgument) {
  Request out;
  Status s = decode_request(Bytes({0xff, 0xff, 0xff}), &out);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  // Field 1 claims 100 bytes but the body ends.
  EXPECT_EQ(decode_request(Bytes({0x0a, 100, 'a'}), &out).code(), Code::invalid_argument);
}

TEST(FrameTest, ResponseRoundTrip) {
  std::string body = encode_response(Status::NotFound("VM vm1 not found"), "pl");
  CallResult r;
  ASSERT_TRUE(decode_response(body, &r));
  EXPECT_EQ(r.status.code(), Code::not_found);
  EXPECT_EQ(r.status.message(), "VM vm1 not found");
  EXPECT_EQ(r.payload, "pl");

  // OK responses carry an explicit (empty) status message: field 1 present.
  EXPECT_EQ(encode_response(Status::Ok(), "p"), Bytes({0x0a, 0, 0x12, 1, 'p'}));
  ASSERT_TRUE(decode_response(encode_response(Status::Ok(), "p"), &r));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.payload, "p");

  EXPECT_FALSE(decode_response(Bytes({0x0a, 9}), &r));
}

TEST(FrameTest, PeerStatusThatIsNotUtf8IsReadAndRepaired) {
  // A peer's Response whose status message ends in half a character (what a
  // JSON parser's message cut mid-"é" gave): code 3, message "tru\xc3".
  std::string status = Bytes({0x08, 3, 0x12, 4}) + "tru\xc3";
  std::string body = Bytes({0x0a, static_cast<int>(status.size())}) + status;
  CallResult r;
  ASSERT_TRUE(decode_response(body, &r));
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message(), "tru\xef\xbf\xbd");
  // And what emberd passes on decodes anywhere.
  ASSERT_TRUE(decode_response(encode_response(r.status, ""), &r));
  EXPECT_EQ(r.status.message(), "tru\xef\xbf\xbd");
}

}  // namespace
}  // namespace ember::ttrpc
