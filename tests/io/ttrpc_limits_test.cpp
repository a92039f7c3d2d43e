// ttrpc::Server's bounds per connection and per process, each against a
// hostile client on a raw socket. What the server holds is read from
// Server::stats() once the loop is idle: no timing is asserted.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "io/event_loop.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "test_util.hpp"

namespace ember::ttrpc {
namespace {

using ember::testing::read_response;
using ember::testing::request_frame;
using ember::testing::run_on_loop;
using ember::testing::send_all;
using ember::testing::TempDir;
using ember::testing::wait_for;
using ember::testing::wait_until_idle;
using namespace std::chrono_literals;

class TtrpcLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "ttrpc.sock";
    loop_.start_thread();
  }
  void TearDown() override {
    run_on_loop(loop_, [&] { server_.reset(); });
  }

  // Test/Echo (payload back), Test/Big (4 KiB back), Test/Hold (kept); each
  // records the connection it came on, in order.
  void StartServer(ServerOptions opts) {
    server_ = std::make_unique<Server>(loop_, opts);
    server_->add_method("Test", "Echo", [this](Request req, Responder r) {
      Note(req.connection);
      r.reply(Status::Ok(), req.payload);
    });
    server_->add_method("Test", "Big", [this](Request req, Responder r) {
      Note(req.connection);
      r.reply(Status::Ok(), std::string(4096, 'b'));
    });
    server_->add_method("Test", "Hold", [this](Request req, Responder r) {
      Note(req.connection);
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(r);
    });
    Status s = server_->listen(path_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Note(uint64_t connection) {
    std::lock_guard<std::mutex> lock(mu_);
    handled_.push_back(connection);
  }
  size_t Handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_.size();
  }

  UniqueFd RawConnect() {
    UniqueFd fd;
    Status s = io::connect_unix(path_, &fd);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return fd;
  }

  ServerStats Stats() {
    ServerStats out;
    run_on_loop(loop_, [&] { out = server_->stats(); });
    return out;
  }

  // The stats once nothing is left to do on the loop: every byte the server
  // would take from the sockets has been taken.
  ServerStats StatsWhenIdle() {
    EXPECT_TRUE(wait_until_idle(loop_));
    return Stats();
  }

  TempDir dir_;
  std::string path_;
  io::EventLoop loop_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<Responder> held_;
  std::vector<uint64_t> handled_;  // connection of each request, in handling order
};

std::string Header(uint32_t sid, uint32_t length) {
  FrameHeader h;
  h.length = length;
  h.stream_id = sid;
  h.type = kTypeRequest;
  std::string out(kHeaderSize, '\0');
  encode_header(h, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

TEST_F(TtrpcLimitsTest, InFlightCapStopsReadingUntilAnAnswerGoesOut) {
  ServerOptions opts;
  opts.connection.max_in_flight = 4;
  StartServer(opts);
  UniqueFd fd = RawConnect();
  std::string ten;
  for (uint32_t sid = 1; sid < 20; sid += 2)
    ten += request_frame(sid, "Test", "Hold");
  ASSERT_TRUE(send_all(fd.get(), ten));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 4; }));
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(Handled(), 4u);
  EXPECT_EQ(st.requests_in_flight, 4u);
  EXPECT_EQ(st.paused_connections, 1u);
  // Each answer lets exactly one more in.
  for (size_t answered = 0; answered < 10; ++answered) {
    Responder r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      r = held_[answered];
    }
    ASSERT_TRUE(r.reply(Status::Ok()));
    uint32_t sid = 0;
    CallResult res;
    ASSERT_TRUE(read_response(fd.get(), &sid, &res));
    EXPECT_EQ(sid, 2 * answered + 1);
    ASSERT_TRUE(wait_for([&] { return Handled() >= std::min<size_t>(10, answered + 5); }));
    StatsWhenIdle();
    EXPECT_EQ(Handled(), std::min<size_t>(10, answered + 5));
  }
  EXPECT_EQ(Stats().paused_connections, 0u);
}

// Requests handled so far that came on the connection that sent the first one.
size_t CountOf(const std::vector<uint64_t>& handled, uint64_t connection) {
  return static_cast<size_t>(std::count(handled.begin(), handled.end(), connection));
}

TEST_F(TtrpcLimitsTest, InFlightCapIsSharedWithAnotherBusyConnection) {
  ServerOptions opts;
  opts.connection.max_in_flight = 8;
  StartServer(opts);
  UniqueFd flooder = RawConnect();
  std::string twenty;
  for (uint32_t sid = 1; sid < 40; sid += 2)
    twenty += request_frame(sid, "Test", "Hold");
  ASSERT_TRUE(send_all(flooder.get(), twenty));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 8; }));
  EXPECT_EQ(StatsWhenIdle().requests_in_flight, 8u);  // alone: the whole cap
  const uint64_t flooder_id = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_[0];
  }();

  UniqueFd other = RawConnect();
  ASSERT_TRUE(send_all(other.get(), request_frame(1, "Test", "Hold")));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 9; }));
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(st.busy_connections, 2u);
  EXPECT_EQ(st.paused_connections, 1u);
  // Two busy connections: the flooder's share is 8 / 2 = 4, so it is read
  // again only once 5 of its 8 are answered, and then up to 4 in flight.
  auto answer = [&](size_t i) {
    Responder r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      r = held_[i];
    }
    ASSERT_TRUE(r.reply(Status::Ok()));
  };
  for (size_t i = 0; i < 4; ++i)
    answer(i);
  StatsWhenIdle();
  EXPECT_EQ(Handled(), 9u);
  answer(4);
  ASSERT_TRUE(wait_for([&] { return Handled() >= 10; }));
  st = StatsWhenIdle();
  EXPECT_EQ(Handled(), 10u);
  EXPECT_EQ(st.requests_in_flight, 5u);  // the flooder's 4 and the other's 1

  // The other connection's call is answered: the flooder is alone again and
  // gets the whole cap back.
  answer(8);
  ASSERT_TRUE(wait_for([&] { return Handled() >= 14; }));
  st = StatsWhenIdle();
  EXPECT_EQ(Handled(), 14u);
  EXPECT_EQ(st.busy_connections, 1u);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(CountOf(handled_, flooder_id), 13u);
}

// A Watch-like stream stays open for long: its connection does not count as
// busy, so it does not halve every other connection's share.
TEST_F(TtrpcLimitsTest, AnOpenStreamIsNotABusyConnection) {
  ServerOptions opts;
  opts.connection.max_in_flight = 8;
  StartServer(opts);
  UniqueFd watcher = RawConnect();
  Request watch;
  watch.service = "Test";
  watch.method = "Hold";
  ASSERT_TRUE(send_all(watcher.get(),
                       encode_frame(1, kTypeRequest, encode_request(watch), kFlagRemoteClosed)));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 1; }));
  EXPECT_EQ(StatsWhenIdle().busy_connections, 0u);
  UniqueFd flooder = RawConnect();
  std::string twenty;
  for (uint32_t sid = 1; sid < 40; sid += 2)
    twenty += request_frame(sid, "Test", "Hold");
  ASSERT_TRUE(send_all(flooder.get(), twenty));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 9; }));
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(st.busy_connections, 1u);
  EXPECT_EQ(st.requests_in_flight, 9u);  // the stream and the flooder's whole cap of 8
}

TEST_F(TtrpcLimitsTest, WithoutSharingEachConnectionKeepsTheWholeCap) {
  ServerOptions opts;
  opts.connection.max_in_flight = 4;
  opts.connection.share_in_flight = false;
  StartServer(opts);
  UniqueFd a = RawConnect();
  UniqueFd b = RawConnect();
  std::string ten;
  for (uint32_t sid = 1; sid < 20; sid += 2)
    ten += request_frame(sid, "Test", "Hold");
  ASSERT_TRUE(send_all(a.get(), ten));
  ASSERT_TRUE(send_all(b.get(), ten));
  ASSERT_TRUE(wait_for([&] { return Handled() >= 8; }));
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(st.requests_in_flight, 8u);
  EXPECT_EQ(st.busy_connections, 2u);
}

TEST_F(TtrpcLimitsTest, UnreadRepliesStopReadingUntilTheClientDrains) {
  ServerOptions opts;
  opts.connection.max_queued_reply_bytes = 16 << 10;
  StartServer(opts);
  UniqueFd fd = RawConnect();
  constexpr uint32_t kCalls = 5000;  // 20 MB of replies, never read until the end
  std::string all;
  for (uint32_t i = 0; i < kCalls; ++i)
    all += request_frame(2 * i + 1, "Test", "Big");
  std::thread writer([&] { send_all(fd.get(), all); });
  // Joined however the test ends (a failed ASSERT returns early).
  std::unique_ptr<std::thread, std::function<void(std::thread*)>> join_writer(
      &writer, [&fd](std::thread* t) {
        ::shutdown(fd.get(), SHUT_RDWR);
        t->join();
      });
  EXPECT_TRUE(wait_for([&] { return Stats().paused_connections == 1; }));
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(st.paused_connections, 1u);
  // The cap, plus the replies of the requests taken in the turn that reached
  // it (each Big reply is 4 KiB and some framing).
  EXPECT_LT(st.queued_reply_bytes, (16u << 10) + opts.connection.requests_per_turn * (4096 + 64));
  // What the socket buffers took, and no more: far from all of them.
  EXPECT_LT(Handled(), kCalls / 10);
  for (uint32_t i = 0; i < kCalls; ++i) {
    uint32_t sid = 0;
    CallResult res;
    ASSERT_TRUE(read_response(fd.get(), &sid, &res)) << i;
    ASSERT_EQ(sid, 2 * i + 1);
    ASSERT_TRUE(res.status.ok()) << res.status.ToString();
  }
  join_writer.reset();
  EXPECT_EQ(Handled(), kCalls);
  EXPECT_EQ(StatsWhenIdle().queued_reply_bytes, 0u);
}

TEST_F(TtrpcLimitsTest, HundredPartialFramesHoldOnlyTheBytesThatArrived) {
  StartServer(ServerOptions{});
  constexpr uint32_t kAnnounced = kMaxBody - 16;
  std::vector<UniqueFd> conns;
  for (int i = 0; i < 100; ++i) {
    conns.push_back(RawConnect());
    ASSERT_TRUE(send_all(conns.back().get(), Header(1, kAnnounced) + std::string(1000, 'p')));
  }
  // The budget admits 16 of them (64 MiB at their announced size); the
  // others are refused at their header.
  ServerStats st = StatsWhenIdle();
  EXPECT_EQ(st.connections, 100u);
  EXPECT_EQ(st.buffered_request_bytes + st.refused_frames * kAnnounced, 100ull * kAnnounced);
  EXPECT_EQ(st.buffered_request_bytes, 16ull * kAnnounced);
  // Each admitted frame holds about what arrived (1000 bytes), not 4 MiB.
  EXPECT_LE(st.partial_frame_bytes, 16u * 8192);
}

TEST_F(TtrpcLimitsTest, LargeFramesOverTheProcessBudgetAreRefusedAndSmallOnesServed) {
  ServerOptions opts;
  opts.max_buffered_request_bytes = 1 << 20;
  StartServer(opts);
  const std::string big_a = request_frame(1, "Test", "Echo", std::string(800 << 10, 'a'));
  const std::string big_b = request_frame(1, "Test", "Echo", std::string(800 << 10, 'b'));
  UniqueFd a = RawConnect();
  UniqueFd b = RawConnect();
  ASSERT_TRUE(send_all(a.get(), big_a.substr(0, 1000)));  // A's frame is being received
  ASSERT_TRUE(wait_for([&] { return Stats().buffered_request_bytes > 0; }));
  ASSERT_TRUE(send_all(b.get(), big_b.substr(0, kHeaderSize)));
  uint32_t sid = 0;
  CallResult res;
  ASSERT_TRUE(read_response(b.get(), &sid, &res));  // at the header, before the body
  EXPECT_EQ(sid, 1u);
  EXPECT_EQ(res.status.code(), Code::resource_exhausted);
  EXPECT_NE(res.status.message().find("server busy"), std::string::npos) << res.status.message();
  // B's body is skipped; a small call on B is served meanwhile.
  ASSERT_TRUE(send_all(b.get(), big_b.substr(kHeaderSize) + request_frame(3, "Test", "Echo", "s")));
  ASSERT_TRUE(read_response(b.get(), &sid, &res));
  EXPECT_EQ(sid, 3u);
  EXPECT_EQ(res.payload, "s");
  // A completes and gives its share back; then B's large frame fits.
  ASSERT_TRUE(send_all(a.get(), big_a.substr(1000)));
  ASSERT_TRUE(read_response(a.get(), &sid, &res));
  EXPECT_EQ(res.payload.size(), size_t{800 << 10});
  EXPECT_EQ(Stats().buffered_request_bytes, 0u);
  ASSERT_TRUE(send_all(b.get(), request_frame(5, "Test", "Echo", std::string(800 << 10, 'c'))));
  ASSERT_TRUE(read_response(b.get(), &sid, &res));
  EXPECT_EQ(sid, 5u);
  EXPECT_TRUE(res.status.ok()) << res.status.ToString();
  EXPECT_EQ(Stats().refused_frames, 1u);
}

TEST_F(TtrpcLimitsTest, FloodingConnectionYieldsToAnotherEveryTurn) {
  ServerOptions opts;
  opts.connection.requests_per_turn = 4;
  opts.connection.max_in_flight = 100000;  // only the turns are under test
  StartServer(opts);
  UniqueFd flooder = RawConnect();
  UniqueFd other = RawConnect();
  uint32_t sid = 0;
  CallResult res;
  for (int fd : {flooder.get(), other.get()}) {  // both accepted and read
    ASSERT_TRUE(send_all(fd, request_frame(1, "Test", "Echo", "hi")));
    ASSERT_TRUE(read_response(fd, &sid, &res));
  }
  const uint64_t flooder_id = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_[0];
  }();
  // Both send while the loop is held, so both are ready at its next turn,
  // the flooder's 1000 requests first.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  loop_.post([released] { released.wait(); });
  std::string flood;
  for (uint32_t i = 0; i < 1000; ++i)
    flood += request_frame(2 * i + 3, "Test", "Echo", "f");
  ASSERT_TRUE(send_all(flooder.get(), flood));
  ASSERT_TRUE(send_all(other.get(), request_frame(3, "Test", "Echo", "o")));
  release.set_value();
  ASSERT_TRUE(read_response(other.get(), &sid, &res));
  EXPECT_EQ(res.payload, "o");
  ASSERT_TRUE(wait_for([&] { return Handled() == 1003; }));  // 2 + 1000 + 1
  std::lock_guard<std::mutex> lock(mu_);
  size_t flood_before_other = 0;
  for (size_t i = 2; i < handled_.size() && handled_[i] == flooder_id; ++i)
    ++flood_before_other;
  // At most a turn or two of the flooder's, not its whole read (1000).
  EXPECT_LE(flood_before_other, 8u);
}

}  // namespace
}  // namespace ember::ttrpc
