// ttrpc::Server and ttrpc::Client over real unix sockets.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "io/event_loop.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "test_util.hpp"
#include "tests/support/fd_census.hpp"

namespace ember::ttrpc {
namespace {

using ember::testing::read_response;
using ember::testing::request_frame;
using ember::testing::run_on_loop;
using ember::testing::send_all;
using ember::testing::TempDir;
using ember::testing::wait_eof;
using ember::testing::wait_for;
using namespace std::chrono_literals;

class TtrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "ttrpc.sock";
    loop_.start_thread();
  }
  void TearDown() override {
    // Servers are destroyed on the loop thread; clients from anywhere.
    clients_.clear();
    run_on_loop(loop_, [&] { server_.reset(); });
  }

  // A server with Test/Echo (payload back, metadata "k" appended), Test/Hold
  // (keeps the Responder), Test/Throw, and whatever extra adds.
  void StartServer(ServerOptions opts = {}, std::function<void(Server&)> extra = nullptr) {
    server_ = std::make_unique<Server>(loop_, opts);
    server_->add_method("Test", "Echo", [](Request req, Responder r) {
      r.reply(Status::Ok(), req.payload + req.metadata_value("k"));
    });
    server_->add_method("Test", "Peer", [](Request req, Responder r) {
      r.reply(Status::Ok(), std::to_string(req.peer.pid) + "/" + std::to_string(req.peer.uid));
    });
    server_->add_method("Test", "Hold", [this](Request req, Responder r) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace_back(std::move(req), r);
      cv_.notify_all();
    });
    server_->add_method("Test", "Throw",
                        [](Request, Responder) { throw std::runtime_error("boom"); });
    if (extra) extra(*server_);
    Status s = server_->listen(path_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::shared_ptr<Client> Connect() {
    Status err;
    auto c = Client::connect(loop_, path_, &err);
    EXPECT_TRUE(c) << err.ToString();
    clients_.push_back(c);
    return c;
  }

  UniqueFd RawConnect() {
    UniqueFd fd;
    Status s = io::connect_unix(path_, &fd);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return fd;
  }

  size_t WaitHeld(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return held_.size() >= n; });
    return held_.size();
  }

  TempDir dir_;
  std::string path_;
  io::EventLoop loop_;
  std::unique_ptr<Server> server_;
  std::vector<std::shared_ptr<Client>> clients_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Request, Responder>> held_;
};

TEST_F(TtrpcTest, EchoWithMetadataAndPeerCredentials) {
  StartServer();
  auto c = Connect();
  CallOptions opts;
  opts.metadata = {{"k", "+meta"}};
  CallResult r = c->call_sync("Test", "Echo", "hello", opts);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.payload, "hello+meta");

  r = c->call_sync("Test", "Peer", "");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.payload, std::to_string(::getpid()) + "/" + std::to_string(::getuid()));

  EXPECT_EQ(server_->path(), path_);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

std::set<int> FdsWithoutCloexec() {
  std::set<int> out;
  for (const auto& [fd, target] : testsupport::open_fds(::getpid())) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) out.insert(fd);
  }
  return out;
}

// Every fd the io layer opens (listening socket, accepted and client
// connections, the loop's own kernel objects, watch dups) is close-on-exec:
// a shim's VMM must inherit none of them.
TEST_F(TtrpcTest, EveryFdItOpensIsCloseOnExec) {
  const std::set<int> before = FdsWithoutCloexec();
  StartServer();
  auto c1 = Connect();
  auto c2 = Connect();
  ASSERT_TRUE(c1->call_sync("Test", "Echo", "").status.ok());  // both accepted by now
  ASSERT_TRUE(c2->call_sync("Test", "Echo", "").status.ok());
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  auto id = loop_.watch_readable(r.get(), [] {});
  loop_.after(60000, [] {});
  run_on_loop(loop_, [] {});
  EXPECT_EQ(FdsWithoutCloexec(), before);
  run_on_loop(loop_, [&] { loop_.cancel_watch(id); });
}

TEST_F(TtrpcTest, UnknownServiceAndMethodAreUnimplemented) {
  StartServer();
  auto c = Connect();
  CallResult r = c->call_sync("Nope", "Echo", "");
  EXPECT_EQ(r.status.code(), Code::unimplemented);
  EXPECT_EQ(r.status.message(), "service Nope");
  r = c->call_sync("Test", "Nope", "");
  EXPECT_EQ(r.status.code(), Code::unimplemented);
  EXPECT_EQ(r.status.message(), "method Nope");
}

TEST_F(TtrpcTest, TruncatedHeaderThenCloseIsDropped) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), std::string("\0\0\0\5\0", 5)));
  ::shutdown(fd.get(), SHUT_WR);
  EXPECT_TRUE(wait_eof(fd.get())) << "server closes after a truncated frame";
  // ... and keeps serving everyone else.
  auto c = Connect();
  EXPECT_TRUE(c->call_sync("Test", "Echo", "x").status.ok());
}

TEST_F(TtrpcTest, OversizedFrameGetsResourceExhaustedAndConnectionStaysUsable) {
  StartServer();
  UniqueFd fd = RawConnect();
  FrameHeader h;
  h.length = kMaxBody + 1;
  h.stream_id = 1;
  h.type = kTypeRequest;
  unsigned char hdr[kHeaderSize];
  encode_header(h, hdr);
  ASSERT_TRUE(send_all(fd.get(), std::string_view(reinterpret_cast<char*>(hdr), kHeaderSize)));
  // The answer comes at the header, before the body was sent.
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 1u);
  EXPECT_EQ(r.status.code(), Code::resource_exhausted);
  EXPECT_NE(r.status.message().find("oversized frame, stream id 1"), std::string::npos)
      << r.status.message();
  std::string junk(kMaxBody + 1, 'j');
  ASSERT_TRUE(send_all(fd.get(), junk));
  ASSERT_TRUE(send_all(fd.get(), request_frame(3, "Test", "Echo", "after")));
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 3u);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.payload, "after");
}

TEST_F(TtrpcTest, GarbageBodyIsInvalidArgument) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), encode_frame(5, kTypeRequest, std::string("\xff\xff\xff", 3))));
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 5u);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  // Still usable.
  ASSERT_TRUE(send_all(fd.get(), request_frame(7, "Test", "Echo", "ok")));
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 7u);
  EXPECT_TRUE(r.status.ok());
}

// An empty body is a valid, empty Request: service "" is unknown (as in ttrpc-go).
TEST_F(TtrpcTest, ZeroLengthBodyIsUnimplementedEmptyService) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), encode_frame(1, kTypeRequest, "")));
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 1u);
  EXPECT_EQ(r.status.code(), Code::unimplemented);
  EXPECT_EQ(r.status.message(), "service ");
}

TEST_F(TtrpcTest, EvenStreamIdIsInvalidArgument) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), request_frame(2, "Test", "Echo", "x")));
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 2u);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
}

TEST_F(TtrpcTest, NonRequestFramesAreIgnored) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), encode_frame(1, kTypeResponse, "whatever") +
                                     encode_frame(1, 7, "") +
                                     request_frame(3, "Test", "Echo", "y")));
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 3u);
  EXPECT_EQ(r.payload, "y");
}

TEST_F(TtrpcTest, StreamIdInUseIsRefusedWithoutDisturbingTheFirstCall) {
  StartServer();
  UniqueFd fd = RawConnect();
  ASSERT_TRUE(send_all(fd.get(), request_frame(9, "Test", "Hold", "first")));
  ASSERT_EQ(WaitHeld(1), 1u);
  ASSERT_TRUE(send_all(fd.get(), request_frame(9, "Test", "Echo", "second")));
  uint32_t sid = 0;
  CallResult r;
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(sid, 9u);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_TRUE(held_[0].second.reply(Status::Ok(), "held"));
  ASSERT_TRUE(read_response(fd.get(), &sid, &r));
  EXPECT_EQ(r.payload, "held");
}

TEST_F(TtrpcTest, HandlerExceptionBecomesInternal) {
  StartServer();
  auto c = Connect();
  CallResult r = c->call_sync("Test", "Throw", "");
  EXPECT_EQ(r.status.code(), Code::internal);
  EXPECT_TRUE(c->call_sync("Test", "Echo", "still").status.ok());
}

TEST_F(TtrpcTest, ThousandConcurrentCallsRepliedInReverseFromAnotherThread) {
  constexpr int kCalls = 1000;
  ServerOptions opts;  // all of them held at once: past the default in-flight cap
  opts.connection.max_in_flight = kCalls;
  StartServer(opts);
  auto c = Connect();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<CallResult> results(kCalls);
  std::vector<int> order;
  std::atomic<bool> all_on_loop{true};
  for (int i = 0; i < kCalls; ++i) {
    c->call("Test", "Hold", std::to_string(i), {}, [&, i](CallResult r) {
      if (!loop_.in_loop_thread()) all_on_loop = false;
      std::lock_guard<std::mutex> lock(mu);
      results[i] = std::move(r);
      order.push_back(i);
      cv.notify_all();
    });
  }
  ASSERT_EQ(WaitHeld(kCalls), size_t(kCalls));
  std::thread replier([&] {
    for (int i = kCalls - 1; i >= 0; --i) {
      auto& [req, resp] = held_[i];
      EXPECT_TRUE(resp.reply(Status::Ok(), "re:" + req.payload));
      EXPECT_TRUE(resp.done());
      EXPECT_FALSE(resp.reply(Status::Ok(), "twice"));
    }
  });
  replier.join();
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return order.size() == size_t(kCalls); }));
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(results[i].status.ok()) << i << results[i].status.ToString();
    EXPECT_EQ(results[i].payload, "re:" + std::to_string(i));
  }
  // Replies went out in reverse, so they completed (mostly) in reverse.
  EXPECT_EQ(order.front(), kCalls - 1);
  EXPECT_TRUE(all_on_loop);
}

TEST_F(TtrpcTest, ServerAnswersDeadlineExceededAndDropsTheLateReply) {
  StartServer();
  UniqueFd fd = RawConnect();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(fd.get(), request_frame(1, "Test", "Hold", "", 100'000'000)));  // 100 ms
  ASSERT_EQ(WaitHeld(1), 1u);
  Responder r = held_[0].second;
  EXPECT_LE(r.deadline(), start + 200ms);
  EXPECT_GE(r.deadline(), start + 100ms);
  uint32_t sid = 0;
  CallResult res;
  ASSERT_TRUE(read_response(fd.get(), &sid, &res));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(sid, 1u);
  EXPECT_EQ(res.status.code(), Code::deadline_exceeded);
  EXPECT_TRUE(r.done());
  std::atomic<bool> on_sent_ran{false};
  EXPECT_FALSE(r.reply(Status::Ok(), "late", [&] { on_sent_ran = true; }));
  EXPECT_TRUE(wait_for([&] { return on_sent_ran.load(); }));
  // Nothing else arrives on the stream; the next call does.
  ASSERT_TRUE(send_all(fd.get(), request_frame(3, "Test", "Echo", "next")));
  ASSERT_TRUE(read_response(fd.get(), &sid, &res));
  EXPECT_EQ(sid, 3u);
  EXPECT_EQ(res.payload, "next");
}

TEST_F(TtrpcTest, ClientTimeoutIsSentAsTimeoutNano) {
  StartServer();
  auto c = Connect();
  CallOptions opts;
  opts.timeout = 100ms;
  auto start = std::chrono::steady_clock::now();
  CallResult r = c->call_sync("Test", "Hold", "", opts);
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_EQ(WaitHeld(1), 1u);
  EXPECT_EQ(held_[0].first.timeout_nano, 100'000'000);
  // The client's timer may have fired first; the server's follows at once.
  EXPECT_TRUE(wait_for([&] { return held_[0].second.done(); }));
  EXPECT_FALSE(held_[0].second.reply(Status::Ok()));
}

// A peer that never answers: the client's own timer completes the call.
TEST_F(TtrpcTest, ClientLocalDeadline) {
  io::BoundSocket mute;
  ASSERT_TRUE(io::bind_listener(path_, &mute).ok());  // listens, never accepts
  auto c = Connect();
  CallOptions opts;
  opts.timeout = 80ms;
  auto start = std::chrono::steady_clock::now();
  CallResult r = c->call_sync("Test", "Echo", "", opts);
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded);
  EXPECT_NE(r.status.message().find("(client)"), std::string::npos) << r.status.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 80ms);
  EXPECT_FALSE(c->closed());
}

TEST_F(TtrpcTest, ConnectionLossCompletesAllPendingCallsThenOnClose) {
  StartServer();
  auto c = Connect();
  constexpr int kCalls = 10;
  std::mutex mu;
  std::vector<std::string> events;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < kCalls; ++i) {
    c->call("Test", "Hold", "", {}, [&](CallResult r) {
      if (r.status.code() == Code::unavailable) ++unavailable;
      std::lock_guard<std::mutex> lock(mu);
      events.push_back("done");
    });
  }
  std::atomic<bool> closed{false};
  c->on_close([&] {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back("close");
    closed = true;
  });
  ASSERT_EQ(WaitHeld(kCalls), size_t(kCalls));
  run_on_loop(loop_, [&] { server_.reset(); });  // closes every connection
  ASSERT_TRUE(wait_for([&] { return closed.load(); }));
  EXPECT_EQ(unavailable, kCalls);
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(events.size(), size_t(kCalls + 1));
    EXPECT_EQ(events.back(), "close");
  }
  EXPECT_TRUE(c->closed());
  for (auto& [req, r] : held_) {
    EXPECT_TRUE(r.done());
    EXPECT_FALSE(r.reply(Status::Ok()));
  }
  // Calls after the close fail at once; a late on_close runs at once.
  EXPECT_EQ(c->call_sync("Test", "Echo", "").status.code(), Code::unavailable);
  std::atomic<bool> late{false};
  c->on_close([&] { late = true; });
  EXPECT_TRUE(wait_for([&] { return late.load(); }));
  // The socket file went with the server.
  struct stat st;
  EXPECT_NE(::stat(path_.c_str(), &st), 0);
}

TEST_F(TtrpcTest, ClientCloseCompletesPendingCalls) {
  StartServer();
  auto c = Connect();
  std::promise<CallResult> p;
  c->call("Test", "Hold", "", {}, [&](CallResult r) { p.set_value(std::move(r)); });
  ASSERT_EQ(WaitHeld(1), 1u);
  c->close();
  EXPECT_TRUE(c->closed());
  EXPECT_EQ(p.get_future().get().status.code(), Code::unavailable);
  // The server notices the connection went: the responder is dropped.
  EXPECT_TRUE(wait_for([&] { return held_[0].second.done(); }));
  EXPECT_FALSE(held_[0].second.reply(Status::Ok()));
}

TEST_F(TtrpcTest, OnSentRunsOnTheLoopAfterTheReplyWasWritten) {
  StartServer();
  auto c = Connect();
  std::promise<CallResult> p;
  c->call("Test", "Hold", "", {}, [&](CallResult r) { p.set_value(std::move(r)); });
  ASSERT_EQ(WaitHeld(1), 1u);
  std::atomic<bool> sent_on_loop{false};
  std::atomic<bool> sent{false};
  std::thread([&] {
    EXPECT_TRUE(held_[0].second.reply(Status::NotFound("nope"), "", [&] {
      sent_on_loop = loop_.in_loop_thread();
      sent = true;
    }));
  }).join();
  CallResult r = p.get_future().get();
  EXPECT_EQ(r.status.code(), Code::not_found);
  EXPECT_EQ(r.status.message(), "nope");
  EXPECT_TRUE(wait_for([&] { return sent.load(); }));
  EXPECT_TRUE(sent_on_loop);
}

TEST_F(TtrpcTest, CallSyncOnTheLoopThreadIsRefused) {
  StartServer();
  auto c = Connect();
  CallResult r;
  run_on_loop(loop_, [&] { r = c->call_sync("Test", "Echo", ""); });
  EXPECT_EQ(r.status.code(), Code::internal);
}

TEST_F(TtrpcTest, OversizedRequestFailsLocally) {
  StartServer();
  auto c = Connect();
  CallResult r = c->call_sync("Test", "Echo", std::string(kMaxBody, 'x'));
  EXPECT_EQ(r.status.code(), Code::resource_exhausted);
  EXPECT_TRUE(c->call_sync("Test", "Echo", "small").status.ok());
}

TEST_F(TtrpcTest, StopAcceptingKeepsExistingConnections) {
  StartServer();
  auto c = Connect();
  ASSERT_TRUE(c->call_sync("Test", "Echo", "").status.ok());
  server_->stop_accepting();
  ASSERT_TRUE(wait_for([&] {
    UniqueFd fd;
    return !io::connect_unix(path_, &fd).ok();
  }));
  EXPECT_TRUE(c->call_sync("Test", "Echo", "still").status.ok());
}

TEST_F(TtrpcTest, SecondServerOnALivePathIsAlreadyExists) {
  StartServer();
  Server other(loop_);
  EXPECT_EQ(other.listen(path_).code(), Code::already_exists);
  auto c = Connect();
  EXPECT_TRUE(c->call_sync("Test", "Echo", "").status.ok());
}

TEST_F(TtrpcTest, AdoptServesAnInheritedListeningSocket) {
  io::BoundSocket bound;
  ASSERT_TRUE(io::bind_listener(path_, &bound).ok());
  server_ = std::make_unique<Server>(loop_);
  server_->add_method("S", "M", [](Request, Responder r) { r.reply(Status::Ok(), "adopted"); });
  ASSERT_TRUE(server_->adopt(bound.take_fd()).ok());
  EXPECT_EQ(server_->path(), "");
  auto c = Connect();
  CallResult r = c->call_sync("S", "M", "");
  EXPECT_EQ(r.payload, "adopted");

  Server bad(loop_);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ::close(sv[1]);
  EXPECT_EQ(bad.adopt(UniqueFd(sv[0])).code(), Code::invalid_argument);
}

TEST_F(TtrpcTest, ConnectToAMissingPathIsNotFound) {
  Status err;
  EXPECT_EQ(Client::connect(loop_, path_, &err), nullptr);
  EXPECT_EQ(err.code(), Code::not_found);
}

// Runs in a forked child: become nobody, connect, send an Echo and report
// what happened in the exit code: 0 disconnected, 1 answered, >= 10 errors.
int NobodyClient(const std::string& path) {
  if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 10;
  UniqueFd fd;
  if (!io::connect_unix(path, &fd).ok()) return 11;
  send_all(fd.get(), request_frame(1, "Test", "Echo", "hi"));
  uint32_t sid;
  CallResult r;
  if (read_response(fd.get(), &sid, &r, 5000)) return r.payload == "hi" ? 1 : 12;
  return wait_eof(fd.get(), 5000) ? 0 : 13;
}

int RunNobodyChild(const std::string& path) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(NobodyClient(path));
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST_F(TtrpcTest, PeerWithAnotherUidIsDisconnectedAndLogged) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to setuid() a child to nobody";
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(32);
  auto prev = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));

  StartServer();
  // Let nobody reach the socket: the refusal must come from SO_PEERCRED.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);
  EXPECT_EQ(RunNobodyChild(path_), 0);
  // The refusal was logged before the child saw EOF; syncing with the loop
  // makes that ordering visible (to TSan too) before the logger is swapped.
  run_on_loop(loop_, [] {});
  spdlog::set_default_logger(prev);

  bool logged = false;
  for (const auto& line : sink->last_formatted()) {
    if (line.find("refused peer") != std::string::npos &&
        line.find("uid 65534") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
  // Same-uid (root) clients are still served.
  auto c = Connect();
  EXPECT_TRUE(c->call_sync("Test", "Echo", "").status.ok());
}

TEST_F(TtrpcTest, AnyUidIsServedWhenNotRequired) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to setuid() a child to nobody";
  ServerOptions opts;
  opts.require_same_uid = false;
  StartServer(opts);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);
  EXPECT_EQ(RunNobodyChild(path_), 1);
}

}  // namespace
}  // namespace ember::ttrpc
