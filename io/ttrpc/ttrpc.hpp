#pragma once
// ttrpc over unix sockets: server and client. Unary calls (containerd/ttrpc
// 1.1), and server streams (1.2): a request flagged `remote closed`, answered
// by data frames until a final response.
// Protobuf stays out of this header: payloads are serialized message bytes.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::io {
class EventLoop;
}

namespace ember::ttrpc {

// Request metadata key that carries the containerd namespace.
inline constexpr const char* kNamespaceKey = "containerd-namespace-ttrpc";
// Largest frame body accepted or sent (4 MiB).
inline constexpr uint32_t kMaxBody = 4u << 20;

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Identity of the peer process (SO_PEERCRED), taken at accept().
struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct Request {
  std::string service;
  std::string method;
  std::string payload;       // serialized request message
  int64_t timeout_nano = 0;  // 0: no deadline
  Metadata metadata;
  PeerCred peer;
  // Set by the server: which accepted connection (from 1, per Server) and
  // stream the request came on; emberd's journal records them.
  uint64_t connection = 0;
  uint32_t stream_id = 0;
  // The request frame's flags: kFlagRemoteClosed (frame.hpp) on a stream
  // call, 0 on a unary one.
  uint8_t flags = 0;
  bool streaming() const { return flags != 0; }
  // First value for key, or "" when absent.
  std::string metadata_value(const std::string& key) const;
};

// Completes one request. Copyable and thread-safe: the first reply() wins, later
// ones (or one after the deadline already answered DEADLINE_EXCEEDED, or after
// the connection closed) are dropped and return false. A Responder must not
// be used after its EventLoop is destroyed.
class Responder {
 public:
  struct State;
  Responder() = default;
  explicit Responder(std::shared_ptr<State> s) : state_(std::move(s)) {}
  // on_sent (optional) runs on the loop thread once the response was written
  // to the socket, or could not be (connection gone); a shim uses it to exit
  // only after its StopVM reply is out. It runs exactly once per reply() that
  // passed one, even when that reply() was dropped (returned false), and
  // never inside reply() itself (always posted to the loop).
  bool reply(const Status& status, std::string payload = {},
             std::function<void()> on_sent = nullptr) const;
  // Server streams only (Request::streaming()): sends payload as one data
  // frame on the stream, which stays open until reply() ends it. False once
  // the stream is done (replied, deadline passed, connection closed): the
  // caller can stop producing.
  bool send_data(std::string payload) const;
  // True once a reply was sent (or can no longer be sent).
  bool done() const;
  // Absolute deadline derived from timeout_nano; time_point::max() if none.
  std::chrono::steady_clock::time_point deadline() const;

 private:
  std::shared_ptr<State> state_;
};

// Called on the loop thread. May reply at once or keep the Responder and reply
// later from any thread. A handler that throws gets INTERNAL answered for it.
//
// Wire-level answers the server gives by itself (see io/ttrpc_server.cpp):
// even stream id or undecodable body: INVALID_ARGUMENT; body over kMaxBody:
// RESOURCE_EXHAUSTED (body skipped, connection kept); unknown service or
// method: UNIMPLEMENTED "service X" / "method Y" (an empty body is an empty
// Request, hence "service "); timeout_nano reached: DEADLINE_EXCEEDED.
// Frames that are not requests are ignored.
using Handler = std::function<void(Request, Responder)>;

// Bounds on what one connection may make the server hold (emberd sets them
// from limits.connection.*, docs/config.md). A connection over a cap is not
// read until it is under it again: its requests wait in the socket.
struct ConnectionLimits {
  // Requests handed to a handler and not answered yet, split equally between
  // the connections that have one in flight (at least 1 each).
  uint32_t max_in_flight = 64;
  // false: each connection may have max_in_flight whatever the others do.
  bool share_in_flight = true;
  // Reply bytes queued and not yet written (a client that does not read).
  uint64_t max_queued_reply_bytes = uint64_t{1} << 20;
  // Largest request body (at most kMaxBody); a larger one is answered
  // RESOURCE_EXHAUSTED. A partial frame holds only the bytes that arrived.
  uint32_t max_request_bytes = kMaxBody;
  // Requests taken from one connection before the others (and the actors on
  // the same loop) get their turn.
  uint32_t requests_per_turn = 16;
};

// Request frames up to this size are never refused for the process-wide
// budget: small calls stay served while large partial frames fill it.
inline constexpr uint32_t kAlwaysAdmittedRequestBytes = 64u << 10;

struct ServerOptions {
  // Peers whose uid differs from ours (root excepted) are disconnected.
  bool require_same_uid = true;
  ConnectionLimits connection;
  // Request bytes being received or waiting for their answer, over all
  // connections, each frame counted at its announced length from its header
  // on. A frame over kAlwaysAdmittedRequestBytes that would pass it is
  // answered RESOURCE_EXHAUSTED at its header (body skipped, connection kept).
  uint64_t max_buffered_request_bytes = uint64_t{64} << 20;
};

// What the server holds right now (for tests and diagnostics).
struct ServerStats {
  size_t connections = 0;
  size_t paused_connections = 0;        // not read: over a ConnectionLimits cap
  size_t requests_in_flight = 0;        // handed to handlers, unanswered
  size_t busy_connections = 0;          // with a request in flight
  uint64_t queued_reply_bytes = 0;      // written to no socket yet
  uint64_t buffered_request_bytes = 0;  // of requests being received or unanswered
  uint64_t partial_frame_bytes = 0;     // memory those frames hold so far
  uint64_t refused_frames = 0;          // over max_buffered_request_bytes, since start
};

class Server {
 public:
  Server(io::EventLoop& loop, ServerOptions opts = {});
  ~Server();  // loop thread, or while the loop is not running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before listen()/adopt(). Unknown service or method: UNIMPLEMENTED.
  void add_method(const std::string& service, const std::string& method, Handler h);

  // Binds a unix socket at path (0600; parent dir created 0700 if missing).
  // An existing socket file is replaced only if a connect to it is refused;
  // a live server there makes this fail with ALREADY_EXISTS.
  Status listen(const std::string& path);
  // Serves on an already-listening socket (inherited by a shim as fd 3/4).
  Status adopt(UniqueFd listening_fd);
  // Stops accepting; connections already open keep being served. Any thread.
  void stop_accepting();
  // The bound path ("" for adopt()); the file is removed on destruction.
  const std::string& path() const;
  // Loop thread only.
  ServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

struct CallOptions {
  std::chrono::nanoseconds timeout{0};  // 0: none; sent as timeout_nano too
  Metadata metadata;
};

struct CallResult {
  Status status;
  std::string payload;  // serialized response message when status.ok()
};

// One connection; calls multiplexed on odd stream ids. All methods are
// thread-safe; completions run on the loop thread, always posted (never
// inside call()). Destroy clients before their EventLoop.
class Client : public std::enable_shared_from_this<Client> {
 public:
  using Done = std::function<void(CallResult)>;

  // Connects to a unix socket path (non-blocking: a full accept backlog gives
  // UNAVAILABLE; no such path NOT_FOUND; nobody listening UNAVAILABLE).
  static std::shared_ptr<Client> connect(io::EventLoop& loop, const std::string& path,
                                         Status* error);
  // Takes an already-connected socket.
  static std::shared_ptr<Client> adopt(io::EventLoop& loop, UniqueFd connected);
  ~Client();  // closes (as close())

  // Sends one call; done runs exactly once: with the reply, DEADLINE_EXCEEDED at
  // the timeout, or UNAVAILABLE when the connection drops.
  void call(const std::string& service, const std::string& method, std::string payload,
            CallOptions opts, Done done);
  // Starts a server stream: the request goes out flagged `remote closed`,
  // each data frame the server sends runs on_data (loop thread, in order),
  // and done runs exactly once when the stream ends: the server's final
  // response (or a data frame flagged `remote closed`: OK), the timeout, or
  // UNAVAILABLE when the connection drops.
  using DataFn = std::function<void(std::string payload)>;
  void stream(const std::string& service, const std::string& method, std::string payload,
              CallOptions opts, DataFn on_data, Done done);
  // Blocking convenience for tools and tests; never call on the loop thread
  // (it returns INTERNAL there instead of deadlocking). Needs the loop running.
  CallResult call_sync(const std::string& service, const std::string& method, std::string payload,
                       CallOptions opts = {});
  // Runs once, on the loop thread, when the connection closes (after pending
  // calls completed with UNAVAILABLE).
  void on_close(std::function<void()> fn);
  // Closes the connection; pending calls complete with UNAVAILABLE.
  void close();
  bool closed() const;

  struct Impl;
  explicit Client(std::shared_ptr<Impl> impl);

 private:
  void stream_or_call(const std::string& service, const std::string& method, std::string payload,
                      CallOptions opts, DataFn on_data, Done done);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ember::ttrpc
