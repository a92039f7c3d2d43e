// ttrpc server streams (containerd/ttrpc PROTOCOL.md, version 1.2): a request
// flagged `remote closed`, data frames from the server, a final response.
// Over real unix sockets, and byte by byte on the wire where it matters for
// compatibility with ttrpc-go.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <mutex>
#include <vector>

#include "io/event_loop.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "test_util.hpp"

namespace ember::ttrpc {
namespace {

using ember::testing::read_frame;
using ember::testing::run_on_loop;
using ember::testing::send_all;
using ember::testing::TempDir;
using namespace std::chrono_literals;

// What a stream call delivered: its data in order, then its end.
struct StreamLog {
  std::mutex mu;
  std::vector<std::string> data;
  std::promise<Status> end;

  Client::DataFn on_data() {
    return [this](std::string p) {
      std::lock_guard<std::mutex> lock(mu);
      data.push_back(std::move(p));
    };
  }
  Client::Done on_end() {
    return [this](CallResult r) { end.set_value(r.status); };
  }
};

class TtrpcStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "ttrpc.sock";
    loop_.start_thread();
    server_ = std::make_unique<Server>(loop_);
    // Test/Count streams "1".."N" (N = the payload), then answers OK.
    server_->add_method("Test", "Count", [](Request req, Responder r) {
      if (!req.streaming()) {
        r.reply(Status::FailedPrecondition("Count is a stream"));
        return;
      }
      int n = std::stoi(req.payload);
      for (int i = 1; i <= n; ++i)
        EXPECT_TRUE(r.send_data(std::to_string(i)));
      r.reply(Status::Ok());
      EXPECT_FALSE(r.send_data("after the end"));
    });
    // Test/Keep holds the stream open for the test to feed.
    server_->add_method("Test", "Keep", [this](Request, Responder r) { kept_.set_value(r); });
    ASSERT_TRUE(server_->listen(path_).ok());
  }
  void TearDown() override {
    client_.reset();
    run_on_loop(loop_, [&] { server_.reset(); });
  }
  std::shared_ptr<Client> Connect() {
    Status err;
    client_ = Client::connect(loop_, path_, &err);
    EXPECT_TRUE(client_) << err.ToString();
    return client_;
  }

  TempDir dir_;
  std::string path_;
  io::EventLoop loop_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Client> client_;
  std::promise<Responder> kept_;
};

TEST_F(TtrpcStreamTest, StreamCallGetsEveryDataFrameInOrderThenTheFinalResponse) {
  StreamLog log;
  Connect()->stream("Test", "Count", "5", {}, log.on_data(), log.on_end());
  Status end = log.end.get_future().get();
  EXPECT_TRUE(end.ok()) << end.ToString();
  EXPECT_EQ(log.data, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST_F(TtrpcStreamTest, UnaryCallToAStreamMethodIsNotAStream) {
  CallResult r = Connect()->call_sync("Test", "Count", "3");
  EXPECT_EQ(r.status.code(), Code::failed_precondition);
}

TEST_F(TtrpcStreamTest, OnTheWireRequestIsFlaggedRemoteClosedAndDataFramesAreType3) {
  UniqueFd fd;
  ASSERT_TRUE(io::connect_unix(path_, &fd).ok());
  Request req;
  req.service = "Test";
  req.method = "Count";
  req.payload = "2";
  ASSERT_TRUE(
      send_all(fd.get(), encode_frame(1, kTypeRequest, encode_request(req), kFlagRemoteClosed)));
  FrameHeader h;
  std::string body;
  for (const char* want : {"1", "2"}) {
    ASSERT_TRUE(read_frame(fd.get(), &h, &body));
    EXPECT_EQ(h.type, kTypeData);
    EXPECT_EQ(h.stream_id, 1u);
    EXPECT_EQ(h.flags, 0);
    EXPECT_EQ(body, want);  // the message itself, not wrapped in a Response
  }
  ASSERT_TRUE(read_frame(fd.get(), &h, &body));
  EXPECT_EQ(h.type, kTypeResponse);
  CallResult r;
  ASSERT_TRUE(decode_response(body, &r));
  EXPECT_TRUE(r.status.ok());
}

TEST_F(TtrpcStreamTest, DataFrameFlaggedRemoteClosedEndsTheStreamOk) {
  // A server (as ttrpc-go's) may end a stream with its last data frame.
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd server_end(sv[1]);
  auto client = Client::adopt(loop_, UniqueFd(sv[0]));
  StreamLog log;
  client->stream("Test", "Any", "", {}, log.on_data(), log.on_end());
  FrameHeader h;
  std::string body;
  ASSERT_TRUE(read_frame(server_end.get(), &h, &body));
  EXPECT_EQ(h.flags, kFlagRemoteClosed);
  ASSERT_TRUE(send_all(server_end.get(), encode_frame(h.stream_id, kTypeData, "a")));
  ASSERT_TRUE(send_all(server_end.get(),
                       encode_frame(h.stream_id, kTypeData, "", kFlagRemoteClosed | kFlagNoData)));
  EXPECT_TRUE(log.end.get_future().get().ok());
  EXPECT_EQ(log.data, std::vector<std::string>{"a"});
}

TEST_F(TtrpcStreamTest, ServerSeesTheStreamDoneOnceTheClientHasGone) {
  StreamLog log;
  Connect()->stream("Test", "Keep", "", {}, log.on_data(), log.on_end());
  Responder r = kept_.get_future().get();
  EXPECT_TRUE(r.send_data("x"));
  client_->close();
  EXPECT_EQ(log.end.get_future().get().code(), Code::unavailable);
  // The server learns of the close when it reads the EOF.
  EXPECT_TRUE(ember::testing::wait_for([&] { return r.done(); }));
  EXPECT_FALSE(r.send_data("y"));
}

TEST_F(TtrpcStreamTest, ErrorResponseEndsTheStreamWithItsStatus) {
  StreamLog log;
  Connect()->stream("Test", "Keep", "", {}, log.on_data(), log.on_end());
  Responder r = kept_.get_future().get();
  EXPECT_TRUE(r.send_data("x"));
  r.reply(Status::Unavailable("server going away"));
  Status end = log.end.get_future().get();
  EXPECT_EQ(end.code(), Code::unavailable);
  EXPECT_EQ(end.message(), "server going away");
  EXPECT_EQ(log.data, std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace ember::ttrpc
