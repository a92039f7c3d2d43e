// QmpClient against a scripted QMP peer on the other end of a socketpair:
// the handshake, replies, errors, events and every way the connection ends.
#include "shim/vmm/qemu/qmp_client.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/shim/vmm/qemu/qemu_test_loop.hpp"

namespace ember::shimtest {
namespace {

using shim::qemu::QmpClient;
using Json = QmpClient::Json;

constexpr const char* kGreeting =
    R"({"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}})";

struct Reply {
  Status status;
  Json result;
};

class QmpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    peer_.reset(sv[0]);
    UniqueFd ours(sv[1]);
    loop_.on_loop([&] {
      client_ = std::make_unique<QmpClient>(
          loop_.loop(), std::move(ours),
          [this](const std::string& event, const Json&) { events_.push_back(event); },
          [this](const Status& why) { closed_.set_value(why); });
    });
  }
  void TearDown() override {
    loop_.on_loop([&] { client_.reset(); });
  }

  // Queues a command on the loop; the future gets its reply.
  std::future<Reply> execute(const std::string& command, Json args = Json()) {
    auto promise = std::make_shared<std::promise<Reply>>();
    auto future = promise->get_future();
    loop_.on_loop([&] {
      client_->execute(command, std::move(args), [promise](Status s, const Json& r) {
        promise->set_value(Reply{s, r});
      });
    });
    return future;
  }

  void send(const std::string& line) {
    const std::string data = line + "\n";
    ASSERT_EQ(::write(peer_.get(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }

  // The next line the client sent, parsed ("" on timeout or EOF).
  Json receive() {
    std::string line;
    char c;
    for (;;) {
      pollfd p{peer_.get(), POLLIN, 0};
      if (::poll(&p, 1, 30000) <= 0 || ::read(peer_.get(), &c, 1) != 1) return Json();
      if (c == '\n') return Json::parse(line);
      line += c;
    }
  }

  // Reads the capabilities negotiation and accepts it.
  void handshake() {
    send(kGreeting);
    Json caps = receive();
    ASSERT_EQ(caps.value("execute", ""), "qmp_capabilities");
    send(R"({"return": {}, "id": )" + caps["id"].dump() + "}");
  }

  TestLoop loop_;
  UniqueFd peer_;
  std::unique_ptr<QmpClient> client_;
  std::vector<std::string> events_;  // loop thread
  std::promise<Status> closed_;
};

TEST_F(QmpClientTest, NegotiatesCapabilitiesBeforeTheFirstCommand) {
  auto reply = execute("query-status");
  handshake();
  Json cmd = receive();
  EXPECT_EQ(cmd.value("execute", ""), "query-status");
  EXPECT_FALSE(cmd.contains("arguments"));
  send(R"({"return": {"status": "running", "running": true}, "id": )" + cmd["id"].dump() + "}");
  ASSERT_TRUE(arrives(reply));
  Reply r = reply.get();
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(shim::qemu::qmp_run_status(r.result), "running");
}

TEST_F(QmpClientTest, SendsArgumentsAndRunsCommandsOneAfterAnother) {
  handshake();
  auto first = execute("balloon", {{"value", 100663296}});
  auto second = execute("query-balloon");
  Json cmd = receive();
  EXPECT_EQ(cmd.value("execute", ""), "balloon");
  EXPECT_EQ(cmd["arguments"]["value"], 100663296);
  // The client writes from loop handlers only: once every handler queued so far
  // has run (the peer sent nothing since), a second command would be here.
  loop_.on_loop([] {});
  pollfd p{peer_.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "the second command went out before the first reply";
  send(R"({"return": {}, "id": )" + cmd["id"].dump() + "}");
  Json next = receive();
  EXPECT_EQ(next.value("execute", ""), "query-balloon");
  send(R"({"return": {"actual": 1024}, "id": )" + next["id"].dump() + "}");
  ASSERT_TRUE(arrives(first));
  ASSERT_TRUE(arrives(second));
  EXPECT_TRUE(first.get().status.ok());
  EXPECT_EQ(second.get().result["actual"], 1024);
}

TEST_F(QmpClientTest, ErrorReplyBecomesAStatusNamingTheCommand) {
  handshake();
  auto reply = execute("balloon", {{"value", 1}});
  Json cmd = receive();
  send(
      R"({"error": {"class": "DeviceNotActive", "desc": "No balloon device has been activated"}, "id": )" +
      cmd["id"].dump() + "}");
  ASSERT_TRUE(arrives(reply));
  const Status s = reply.get().status;
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "QMP balloon: No balloon device has been activated");

  auto other = execute("frobnicate");
  cmd = receive();
  send(R"({"error": {"class": "GenericError", "desc": "nope"}, "id": )" + cmd["id"].dump() + "}");
  ASSERT_TRUE(arrives(other));
  EXPECT_EQ(other.get().status, Status::Internal("QMP frobnicate: nope"));
}

TEST_F(QmpClientTest, EventsArriveBeforeTheReplyTheyPrecede) {
  handshake();
  auto reply = execute("stop");
  Json cmd = receive();
  send(R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})");
  send(R"({"return": {}, "id": )" + cmd["id"].dump() + "}");
  ASSERT_TRUE(arrives(reply));
  std::vector<std::string> events;
  loop_.on_loop([&] { events = events_; });
  EXPECT_EQ(events, std::vector<std::string>{"STOP"});
}

TEST_F(QmpClientTest, ConnectionClosedByQemuFailsPendingCommandsAndIsReported) {
  handshake();
  auto reply = execute("query-status");
  receive();
  peer_.reset();
  ASSERT_TRUE(arrives(reply));
  EXPECT_EQ(reply.get().status, Status::Unavailable("QMP connection closed by QEMU"));
  auto closed = closed_.get_future();
  ASSERT_TRUE(arrives(closed));
  EXPECT_EQ(closed.get().code(), Code::unavailable);
  // Later commands fail at once with the same reason.
  auto late = execute("query-status");
  ASSERT_TRUE(arrives(late));
  EXPECT_EQ(late.get().status, Status::Unavailable("QMP connection closed by QEMU"));
}

TEST_F(QmpClientTest, SomethingOtherThanJsonEndsTheConnection) {
  handshake();
  auto reply = execute("query-status");
  receive();
  send("this is not json");
  ASSERT_TRUE(arrives(reply));
  EXPECT_EQ(reply.get().status, Status::Internal("QMP: not a JSON object: this is not json"));
  auto closed = closed_.get_future();
  ASSERT_TRUE(arrives(closed));
}

TEST_F(QmpClientTest, AGreetingThatIsNotQmpEndsTheConnection) {
  auto reply = execute("query-status");
  send(R"({"hello": "world"})");
  ASSERT_TRUE(arrives(reply));
  EXPECT_EQ(reply.get().status,
            Status::Internal(R"(QMP: unexpected greeting: {"hello": "world"})"));
}

TEST_F(QmpClientTest, ReplyToNoCommandIsAProtocolError) {
  handshake();
  send(R"({"return": {}, "id": 99})");
  auto closed = closed_.get_future();
  ASSERT_TRUE(arrives(closed));
  EXPECT_EQ(closed.get().message(), R"(QMP: reply to no pending command: {"id":99,"return":{}})");
}

TEST_F(QmpClientTest, OverlongLineEndsTheConnection) {
  handshake();
  const std::string chunk(64 * 1024, 'x');
  // Written from another thread: the socket buffer is smaller than the line.
  std::thread writer([&] {
    for (size_t sent = 0; sent <= QmpClient::kMaxLine; sent += chunk.size()) {
      if (::send(peer_.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) return;
    }
  });
  auto closed = closed_.get_future();
  const bool ended = arrives(closed);
  ::shutdown(peer_.get(), SHUT_RDWR);
  writer.join();
  ASSERT_TRUE(ended);
  EXPECT_EQ(closed.get(), Status::Internal("QMP: line longer than 1048576 bytes"));
}

TEST_F(QmpClientTest, CloseFailsPendingCommandsWithTheGivenReason) {
  handshake();
  auto reply = execute("query-status");
  receive();
  loop_.on_loop([&] { client_->close(Status::Unavailable("VM vm1 has exited")); });
  ASSERT_TRUE(arrives(reply));
  EXPECT_EQ(reply.get().status, Status::Unavailable("VM vm1 has exited"));
  auto late = execute("cont");
  ASSERT_TRUE(arrives(late));
  EXPECT_EQ(late.get().status, Status::Unavailable("VM vm1 has exited"));
  EXPECT_EQ(closed_.get_future().wait_for(std::chrono::milliseconds(100)),
            std::future_status::timeout)
      << "on_closed runs only when the connection ends by itself";
}

}  // namespace
}  // namespace ember::shimtest
