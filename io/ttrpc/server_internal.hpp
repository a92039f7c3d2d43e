#pragma once
// ttrpc::Server's internals, shared by server.cpp (accepting, the Server
// object) and server_conn.cpp (one connection, the Responder). Not for use
// outside io/ttrpc.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <array>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/rate_limiter.hpp"
#include "io/event_loop_impl.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"

namespace ember::ttrpc {

using Socket = asio::local::stream_protocol::socket;
using Acceptor = asio::local::stream_protocol::acceptor;
using Clock = std::chrono::steady_clock;

// Timeouts beyond this are treated as "no deadline" (and cannot overflow).
inline constexpr int64_t kMaxTimeoutNano = int64_t{10} * 365 * 24 * 3600 * 1000000000;

struct ServerConn;

struct Responder::State {
  std::mutex mu;
  bool done = false;  // guarded by mu
  io::EventLoop::Impl* loop = nullptr;
  std::weak_ptr<ServerConn> conn;
  uint32_t stream_id = 0;
  Clock::time_point deadline = Clock::time_point::max();
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(io::EventLoop& l, ServerOptions o) : loop(l.impl()), opts(o), retry_timer(loop.ctx) {}

  void start(UniqueFd fd);
  void accept();
  void drain();
  void retry_later();
  void on_accept(UniqueFd fd);
  void stop_accepting();
  void shutdown();

  io::EventLoop::Impl& loop;
  ServerOptions opts;
  std::map<std::string, std::map<std::string, Handler>> methods;
  io::BoundSocket bound;  // owns the socket file (unlinked on destruction)
  std::string path;
  bool started = false;

  // Loop thread only from here on.
  std::unique_ptr<Acceptor> acceptor;
  asio::steady_timer retry_timer;  // accept retry after EMFILE and the like
  // A flood of failed accepts or refused peers logs a line per interval.
  RateLimiter accept_errors_log{std::chrono::seconds(10)};
  RateLimiter refused_peers_log{std::chrono::seconds(10)};
  std::unordered_set<std::shared_ptr<ServerConn>> conns;
  bool shut = false;
  bool accepting = true;
  uint64_t last_conn_id = 0;  // ServerConn::id of the latest accepted connection
  // Request bytes being received or waiting for their answer, over all
  // connections: bounded by opts.max_buffered_request_bytes (plus frames of
  // up to kAlwaysAdmittedRequestBytes).
  uint64_t buffered_request_bytes = 0;
  uint64_t refused_frames = 0;
  // Connections with a call in flight (a stream that stays open, such as a
  // Watch, does not count): each gets an equal share of
  // ConnectionLimits::max_in_flight while others are busy too.
  size_t busy_connections = 0;
  // Connections not read because they are over a cap: another connection
  // going idle raises their share, so it wakes them (server_input.cpp).
  std::unordered_set<ServerConn*> paused_conns;
};

// One accepted connection (named, not anonymous: Responder::State refers to it).
struct ServerConn : std::enable_shared_from_this<ServerConn> {
  ServerConn(std::weak_ptr<Server::Impl> s, io::EventLoop::Impl* l, Socket sk, PeerCred p,
             uint64_t conn_id, const ConnectionLimits& lim)
      : server(std::move(s)),
        loop(l),
        sock(std::move(sk)),
        peer(p),
        id(conn_id),
        limits(lim),
        decoder(std::min(lim.max_request_bytes, kMaxBody)) {
    decoder.set_admission([this](const FrameHeader& h) { return admit(h.length); });
  }

  struct Pending {
    std::shared_ptr<Responder::State> state;
    std::unique_ptr<asio::steady_timer> timer;
    uint32_t request_bytes = 0;  // in the server's budget until answered
    bool stream = false;         // a server stream (Watch): open for long, not a call
  };
  struct Out {
    std::string bytes;
    std::function<void()> on_sent;
  };

  // Input, in server_input.cpp. pump() takes frames from buf (reading more
  // when it is empty) until a cap pauses the connection or its turn is over.
  void pump();
  void post_pump();
  void read();
  bool over_limits() const;
  // max_in_flight split equally between this and the other busy connections
  // (at least 1): a pipelining client cannot keep the loop's queue full while
  // others wait for their one call.
  uint32_t in_flight_share() const;
  // Busy: a call (not a stream) in flight. After calls_pending changed.
  bool busy() const { return calls_pending > 0; }
  void busy_changed(bool was_busy);
  void pause();
  // After an answer or a write: a paused connection under its caps reads again.
  void maybe_resume();
  // The decoder's admission of a frame of `length` body bytes, against the
  // server's budget. The bytes stay in it until the request is answered.
  bool admit(uint32_t length);
  void give_back(uint64_t bytes);

  void handle(Frame& f);
  void dispatch(uint32_t sid, Request req);
  void arm_deadline(Pending* p, std::chrono::nanoseconds timeout);
  // Answers stream sid (a response frame); on_sent runs once it is written
  // or could not be.
  void send(uint32_t sid, const Status& st, std::string_view payload = {},
            std::function<void()> on_sent = nullptr);
  void write(std::string bytes, std::function<void()> on_sent);
  void write_next();
  void fail_writes();
  // Completion of a Responder: the pending entry goes (if still st's).
  void finish(uint32_t sid, const Responder::State* st);
  void close();

  std::weak_ptr<Server::Impl> server;
  io::EventLoop::Impl* loop;
  Socket sock;
  PeerCred peer;
  uint64_t id;  // from 1 in accept order, per server
  ConnectionLimits limits;
  FrameDecoder decoder;
  std::array<char, 64 * 1024> buf;
  size_t buf_begin = 0;  // buf[buf_begin, buf_end) was read but not decoded yet
  size_t buf_end = 0;
  bool paused = false;       // over a cap: no read outstanding, maybe_resume() restarts
  uint32_t reserved = 0;     // the frame being received, in the server's budget
  uint32_t frame_bytes = 0;  // the frame being handled: dispatch() moves it to its Pending
  std::unordered_map<uint32_t, Pending> pending;
  size_t calls_pending = 0;  // entries of pending that are calls, not streams
  std::deque<Out> outq;
  uint64_t queued_reply_bytes = 0;  // of outq
  size_t in_flight = 0;             // entries of outq being written by the current async_write
  bool closed = false;
};

}  // namespace ember::ttrpc
