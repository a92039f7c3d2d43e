// End to end: a hostile client on emberd's socket cannot grow emberd's memory
// without bound or stall the other clients (docs/reliability.md, "Limits and
// deadlines"). emberd runs with its default limits.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>

#include "fccontrol.pb.h"
#include "io/ttrpc/frame.hpp"
#include "io/unix_socket.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1 << 20;

uint64_t rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A GetVMInfo frame as a raw client sends it (namespace "default").
std::string info_frame(uint32_t sid, const std::string& vm = "nobody") {
  ttrpc::Request req;
  req.service = msg::kFirecrackerService;
  req.method = "GetVMInfo";
  req.payload = with_id<GetVMInfoRequest>(vm);
  req.metadata = {{ttrpc::kNamespaceKey, "default"}};
  return ttrpc::encode_frame(sid, ttrpc::kTypeRequest, ttrpc::encode_request(req));
}

UniqueFd raw_connect(const std::string& socket, bool nonblocking = false) {
  UniqueFd fd;
  Status s = io::connect_unix(socket, &fd, nonblocking);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one whole frame (blocking socket). False on EOF or error.
bool read_frame(int fd, std::string* body) {
  unsigned char hdr[ttrpc::kHeaderSize];
  for (size_t got = 0; got < sizeof hdr;) {
    ssize_t n = ::read(fd, hdr + got, sizeof hdr - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  body->resize(ttrpc::decode_header(hdr).length);
  for (size_t got = 0; got < body->size();) {
    ssize_t n = ::read(fd, body->data() + got, body->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

class ConnectionLimitsTest : public ::testing::Test {
 protected:
  // emberd's RSS after a first call (the allocator warmed up).
  uint64_t baseline_rss() {
    EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("nobody")).status.code(),
              Code::not_found);
    return rss_bytes(emberd.pid());
  }

  Emberd emberd;
  FcClient client{emberd.socket()};
};

// The 2M pipelined calls, scaled down: unbounded, 400k would queue
// about 45 MB of replies in emberd.
TEST_F(ConnectionLimitsTest, PipelinedCallsWhoseRepliesAreNeverReadLeaveRssBounded) {
  if (kSanitizerBuild) GTEST_SKIP() << "RSS bounds do not hold under ASan's quarantine";
  const uint64_t before = baseline_rss();
  UniqueFd fd = raw_connect(emberd.socket(), /*nonblocking=*/true);
  constexpr uint32_t kCalls = 400000;
  std::string batch;
  uint32_t sent = 0;
  // Write until emberd stops reading: the socket stays full for 2 s.
  while (sent < kCalls) {
    if (batch.empty()) {
      for (uint32_t i = 0; i < 1000 && sent + i < kCalls; ++i)
        batch += info_frame(2 * (sent + i) + 1);
    }
    ssize_t n = ::send(fd.get(), batch.data(), batch.size(), MSG_NOSIGNAL);
    if (n > 0) {
      batch.erase(0, static_cast<size_t>(n));
      if (batch.empty()) sent = std::min(kCalls, sent + 1000);
      continue;
    }
    ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EINTR)) << std::strerror(errno);
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, 2000) == 0) break;
  }
  const uint64_t during = rss_bytes(emberd.pid());
  std::printf("emberd RSS %.1f -> %.1f MiB; %u of %u requests written\n", double(before) / kMiB,
              double(during) / kMiB, sent, kCalls);
  EXPECT_LT(sent, kCalls) << "emberd read every request although no reply was read";
  EXPECT_LT(during - before, 20 * kMiB) << "RSS " << before / kMiB << " -> " << during / kMiB;
  // The client drains: emberd reads again and answers everything sent.
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  std::thread rest([&] { EXPECT_TRUE(send_all(fd.get(), batch)); });
  const uint32_t frames_sent = sent + static_cast<uint32_t>(batch.empty() ? 0 : 1000);
  std::string body;
  uint32_t answered = 0;
  while (answered < frames_sent && read_frame(fd.get(), &body))
    ++answered;
  rest.join();
  EXPECT_EQ(answered, frames_sent);
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("nobody")).status.code(),
            Code::not_found);
}

// The 100 connections with partial frames, each pinning 4 MiB (429 MB).
TEST_F(ConnectionLimitsTest, HundredConnectionsWithPartialFramesDoNotPinFourMiBEach) {
  if (kSanitizerBuild) GTEST_SKIP() << "RSS bounds do not hold under ASan's quarantine";
  const uint64_t before = baseline_rss();
  constexpr uint32_t kLength = ttrpc::kMaxBody - 16;
  ttrpc::FrameHeader h;
  h.length = kLength;
  h.stream_id = 1;
  h.type = ttrpc::kTypeRequest;
  std::string frame(ttrpc::kHeaderSize + kLength - 1, 'p');  // all but its last byte
  ttrpc::encode_header(h, reinterpret_cast<unsigned char*>(frame.data()));
  std::vector<UniqueFd> conns;
  for (int i = 0; i < 100; ++i) {
    conns.push_back(raw_connect(emberd.socket()));
    ASSERT_TRUE(send_all(conns.back().get(), frame));
  }
  // Over the default 64 MiB budget, frames are refused at their header.
  std::vector<pollfd> polls;
  for (auto& c : conns)
    polls.push_back(pollfd{c.get(), POLLIN, 0});
  size_t refused = 0;
  std::vector<bool> seen(polls.size());
  auto until = std::chrono::steady_clock::now() + 10s;
  while (refused < 84 && std::chrono::steady_clock::now() < until) {
    if (::poll(polls.data(), polls.size(), 1000) <= 0) continue;
    for (size_t i = 0; i < polls.size(); ++i) {
      if (seen[i] || !(polls[i].revents & POLLIN)) continue;
      seen[i] = true;
      polls[i].events = 0;
      std::string body;
      ttrpc::CallResult r;
      ASSERT_TRUE(read_frame(polls[i].fd, &body));
      ASSERT_TRUE(ttrpc::decode_response(body, &r));
      EXPECT_EQ(r.status.code(), Code::resource_exhausted) << r.status.message();
      ++refused;
    }
  }
  const uint64_t during = rss_bytes(emberd.pid());
  std::printf("emberd RSS %.1f -> %.1f MiB; %zu of 100 frames refused\n", double(before) / kMiB,
              double(during) / kMiB, refused);
  EXPECT_EQ(refused, 84u);  // 16 x 4 MiB fill the budget
  EXPECT_LT(during - before, 100 * kMiB) << "RSS " << before / kMiB << " -> " << during / kMiB;
  conns.clear();
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("nobody")).status.code(),
            Code::not_found);
}

// The 100k pipelined calls stalled every other client for 7.7-9.5 s,
// i.e. until the flood was over: emberd read them all at once, and a call of
// another client for the same VM queued behind them on the way to the shim.
// Now the others finish while the flood goes on.
TEST_F(ConnectionLimitsTest, FloodingClientDoesNotStallOthers) {
  CreateVMRequest create;
  create.set_vmid("busy");
  ASSERT_TRUE(client.call(Method::create_vm, create.SerializeAsString()).status.ok());
  constexpr uint32_t kFlood = 100000;
  UniqueFd fd = raw_connect(emberd.socket());
  std::atomic<uint32_t> flood_answered{0};
  std::promise<void> first_answer;
  std::thread reader([&] {
    std::string body;
    while (flood_answered < kFlood && read_frame(fd.get(), &body)) {
      if (++flood_answered == 1) first_answer.set_value();
    }
  });
  std::thread writer([&] {
    std::string batch;
    for (uint32_t i = 0; i < kFlood; ++i) {
      batch += info_frame(2 * i + 1, "busy");
      if (batch.size() > 64 * 1024 || i + 1 == kFlood) {
        if (!send_all(fd.get(), batch)) return;
        batch.clear();
      }
    }
  });
  first_answer.get_future().wait();  // the flood is under way
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("busy"), "default", 30s)
                    .status.ok());
  }
  const uint32_t at_the_end = flood_answered;
  std::printf("the other client's 20 calls done after %u of %u flood replies\n", at_the_end,
              kFlood);
  writer.join();
  reader.join();
  EXPECT_EQ(flood_answered, kFlood);
  EXPECT_LT(at_the_end, kFlood / 2) << "the other client finished only after the flood";
  StopVMRequest stop;
  stop.set_vmid("busy");
  EXPECT_TRUE(client.call(Method::stop_vm, stop.SerializeAsString()).status.ok());
}

}  // namespace
}  // namespace ember::e2e
