// ttrpc::Server. Everything here runs on the loop thread except
// Responder::reply()/done(), add_method/listen/adopt (before serving) and
// stop_accepting(), which hop to the loop.
//
// Protocol decisions (client-visible):
//  - even stream id                      -> INVALID_ARGUMENT "stream id N is even ..."
//  - frame body over kMaxBody (4 MiB)     -> RESOURCE_EXHAUSTED "oversized frame, stream id N ..."
//    (the body is discarded as it streams in; the connection stays usable)
//  - stream id already in flight         -> INVALID_ARGUMENT (the first call stays pending)
//  - undecodable body                    -> INVALID_ARGUMENT
//  - empty body (an empty Request)       -> UNIMPLEMENTED "service " (as ttrpc-go)
//  - unknown service / method            -> UNIMPLEMENTED "service X" / "method Y"
//  - frames whose type is not request (1) are ignored (logged at debug level);
//    the connection stays open.
//  - a truncated frame followed by EOF just closes the connection.
//  - timeout_nano > 0: at the deadline the server answers DEADLINE_EXCEEDED
//    and the handler's later reply() is dropped.
//  - a handler that throws gets INTERNAL answered for it.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
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

#include "io/event_loop_impl.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"

namespace ember::ttrpc {
namespace {

using Socket = asio::local::stream_protocol::socket;
using Acceptor = asio::local::stream_protocol::acceptor;
using Clock = std::chrono::steady_clock;

// Timeouts beyond this are treated as "no deadline" (and cannot overflow).
constexpr int64_t kMaxTimeoutNano = int64_t{10} * 365 * 24 * 3600 * 1000000000;

}  // namespace

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
  std::unordered_set<std::shared_ptr<ServerConn>> conns;
  bool shut = false;
  bool accepting = true;
};

// One accepted connection (named, not anonymous: Responder::State refers to it).
struct ServerConn : std::enable_shared_from_this<ServerConn> {
  ServerConn(std::weak_ptr<Server::Impl> s, io::EventLoop::Impl* l, Socket sk, PeerCred p)
      : server(std::move(s)), loop(l), sock(std::move(sk)), peer(p) {}

  struct Pending {
    std::shared_ptr<Responder::State> state;
    std::unique_ptr<asio::steady_timer> timer;
  };
  struct Out {
    std::string bytes;
    std::function<void()> on_sent;
  };

  void read();
  void handle(Frame& f);
  void dispatch(uint32_t sid, Request req);
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
  FrameDecoder decoder;
  std::vector<Frame> frames;
  std::array<char, 64 * 1024> buf;
  std::unordered_map<uint32_t, Pending> pending;
  std::deque<Out> outq;
  size_t in_flight = 0;  // entries of outq being written by the current async_write
  bool closed = false;
};

void ServerConn::read() {
  auto self = shared_from_this();
  sock.async_read_some(asio::buffer(buf), [self](const std::error_code& ec, size_t n) {
    if (self->closed) return;
    if (ec) {
      if (ec != asio::error::eof && ec != asio::error::connection_reset) {
        spdlog::debug("ttrpc server: read from pid {}: {}", self->peer.pid, ec.message());
      } else if (self->decoder.mid_frame()) {
        spdlog::debug("ttrpc server: pid {} closed mid-frame", self->peer.pid);
      }
      self->close();
      return;
    }
    self->frames.clear();
    self->decoder.feed(self->buf.data(), n, &self->frames);
    for (auto& f : self->frames) {
      self->handle(f);
      if (self->closed) return;
    }
    self->read();
  });
}

void ServerConn::handle(Frame& f) {
  const uint32_t sid = f.header.stream_id;
  if (f.header.type != kTypeRequest) {
    spdlog::debug("ttrpc server: ignoring frame of type {} on stream {}", f.header.type, sid);
    return;
  }
  if (sid % 2 == 0) {
    send(sid, Status::InvalidArgument("stream id " + std::to_string(sid) +
                                      " is even: client streams must be odd"));
    return;
  }
  if (f.oversized) {
    send(sid, Status::ResourceExhausted("oversized frame, stream id " + std::to_string(sid) + ": " +
                                        std::to_string(f.header.length) + " bytes > limit " +
                                        std::to_string(kMaxBody)));
    return;
  }
  if (pending.count(sid)) {
    send(sid, Status::InvalidArgument("stream id " + std::to_string(sid) + " is already in use"));
    return;
  }
  Request req;
  Status s = decode_request(f.body, &req);
  if (!s.ok()) {
    send(sid, s);
    return;
  }
  dispatch(sid, std::move(req));
}

void ServerConn::dispatch(uint32_t sid, Request req) {
  auto srv = server.lock();
  if (!srv || srv->shut) {
    close();
    return;
  }
  auto svc = srv->methods.find(req.service);
  if (svc == srv->methods.end()) {
    send(sid, Status::Unimplemented("service " + req.service));
    return;
  }
  auto m = svc->second.find(req.method);
  if (m == svc->second.end()) {
    send(sid, Status::Unimplemented("method " + req.method));
    return;
  }
  Handler handler = m->second;  // a copy: the handler may tear the server down

  auto st = std::make_shared<Responder::State>();
  st->loop = loop;
  st->conn = weak_from_this();
  st->stream_id = sid;
  Pending p;
  p.state = st;
  if (req.timeout_nano > 0 && req.timeout_nano < kMaxTimeoutNano) {
    auto timeout = std::chrono::nanoseconds(req.timeout_nano);
    st->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
    p.timer = std::make_unique<asio::steady_timer>(loop->ctx);
    p.timer->expires_at(st->deadline);
    std::weak_ptr<ServerConn> weak = weak_from_this();
    p.timer->async_wait([weak, st, timeout](const std::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || self->closed) return;
      {
        std::lock_guard<std::mutex> lock(st->mu);
        if (st->done) return;  // a reply is on its way
        st->done = true;
      }
      self->finish(st->stream_id, st.get());
      self->send(st->stream_id,
                 Status::DeadlineExceeded("deadline exceeded (timeout " +
                                          std::to_string(timeout.count() / 1000000) + " ms)"));
    });
  }
  pending.emplace(sid, std::move(p));

  req.peer = peer;
  Responder responder(st);
  try {
    handler(std::move(req), responder);
  } catch (const std::exception& e) {
    spdlog::error("ttrpc server: handler threw: {}", e.what());
    responder.reply(Status::Internal(std::string("handler threw: ") + e.what()));
  } catch (...) {
    spdlog::error("ttrpc server: handler threw");
    responder.reply(Status::Internal("handler threw"));
  }
}

void ServerConn::finish(uint32_t sid, const Responder::State* st) {
  auto it = pending.find(sid);
  if (it != pending.end() && it->second.state.get() == st) pending.erase(it);
}

void ServerConn::send(uint32_t sid, const Status& st, std::string_view payload,
                      std::function<void()> on_sent) {
  std::string body = encode_response(st, payload);
  if (body.size() > kMaxBody) {
    body = encode_response(Status::ResourceExhausted("response of " + std::to_string(body.size()) +
                                                     " bytes exceeds the 4 MiB limit"),
                           {});
  }
  write(encode_frame(sid, kTypeResponse, body), std::move(on_sent));
}

void ServerConn::write(std::string bytes, std::function<void()> on_sent) {
  if (closed) {
    if (on_sent) on_sent();
    return;
  }
  outq.push_back(Out{std::move(bytes), std::move(on_sent)});
  if (in_flight == 0) write_next();
}

void ServerConn::write_next() {
  if (outq.empty() || closed) return;
  // Everything queued goes out in one gathered write.
  std::vector<asio::const_buffer> bufs;
  bufs.reserve(std::min<size_t>(outq.size(), 64));
  for (size_t i = 0; i < outq.size() && i < 64; ++i)
    bufs.emplace_back(asio::buffer(outq[i].bytes));
  in_flight = bufs.size();
  auto self = shared_from_this();
  asio::async_write(sock, bufs, [self](const std::error_code& ec, size_t) {
    size_t n = std::exchange(self->in_flight, 0);
    if (ec || self->closed) {
      self->close();
      self->fail_writes();
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      Out o = std::move(self->outq.front());
      self->outq.pop_front();
      if (o.on_sent) o.on_sent();
    }
    self->write_next();
  });
}

void ServerConn::fail_writes() {
  if (in_flight > 0) return;  // the pending write's handler will do it
  auto q = std::move(outq);
  outq.clear();
  for (auto& o : q) {
    if (o.on_sent) o.on_sent();
  }
}

void ServerConn::close() {
  if (closed) return;
  closed = true;
  auto self = shared_from_this();  // keeps this alive to the end
  std::error_code ignored;
  sock.close(ignored);
  // Pending Responders are dropped: their reply() returns false.
  for (auto& [sid, p] : pending) {
    std::lock_guard<std::mutex> lock(p.state->mu);
    p.state->done = true;
  }
  pending.clear();
  fail_writes();
  if (auto srv = server.lock()) srv->conns.erase(self);
}

// ---- Responder ----

bool Responder::reply(const Status& status, std::string payload,
                      std::function<void()> on_sent) const {
  if (!state_) return false;
  bool won;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    won = !state_->done;
    state_->done = true;
  }
  auto st = state_;
  if (!won) {
    if (on_sent) asio::post(st->loop->ctx, std::move(on_sent));
    return false;
  }
  // Always posted, so on_sent never runs inside reply().
  asio::post(st->loop->ctx,
             [st, status, payload = std::move(payload), on_sent = std::move(on_sent)]() mutable {
               auto conn = st->conn.lock();
               if (!conn || conn->closed) {
                 if (on_sent) on_sent();
                 return;
               }
               conn->finish(st->stream_id, st.get());
               conn->send(st->stream_id, status, payload, std::move(on_sent));
             });
  return true;
}

bool Responder::done() const {
  if (!state_) return true;
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->done;
}

std::chrono::steady_clock::time_point Responder::deadline() const {
  return state_ ? state_->deadline : Clock::time_point::max();
}

// ---- Server ----

void Server::Impl::start(UniqueFd fd) {
  if (shut) return;  // destroyed before the loop got to it: fd closes here
  acceptor = std::make_unique<Acceptor>(loop.ctx);
  std::error_code ec;
  acceptor->assign(asio::local::stream_protocol(), fd.get(), ec);
  if (ec) {
    spdlog::error("ttrpc server {}: cannot serve on fd {}: {}", path, fd.get(), ec.message());
    acceptor.reset();
    return;
  }
  fd.release();
  acceptor->non_blocking(true, ec);  // accept4() must never block the loop
  if (!accepting) {
    acceptor->close(ec);
    return;
  }
  accept();
}

// Asio's own accept uses accept(2), whose fds are not close-on-exec (a shim's
// VMM child would inherit them). So: wait for readability, then accept4()
// with SOCK_CLOEXEC until EAGAIN, and only then wait again (the reactor is
// edge-triggered: waiting while connections are still queued could stall).
void Server::Impl::accept() {
  if (shut || !accepting || !acceptor) return;
  auto self = shared_from_this();
  acceptor->async_wait(Acceptor::wait_read, [self](const std::error_code& ec) {
    if (self->shut || !self->accepting || !self->acceptor) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("ttrpc server {}: accept: {}", self->path, ec.message());
      self->retry_later();
      return;
    }
    self->drain();
  });
}

void Server::Impl::drain() {
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(acceptor->native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        accept();
        return;
      }
      spdlog::warn("ttrpc server {}: accept: {}", path, std::strerror(err));
      retry_later();  // EMFILE and the like: back off instead of spinning
      return;
    }
    on_accept(UniqueFd(fd));
    if (shut || !accepting || !acceptor) return;
  }
  // Still more queued: go on after whatever else is waiting on the loop.
  auto self = shared_from_this();
  asio::post(loop.ctx, [self] {
    if (!self->shut && self->accepting && self->acceptor) self->drain();
  });
}

void Server::Impl::retry_later() {
  auto self = shared_from_this();
  retry_timer.expires_after(std::chrono::milliseconds(100));
  retry_timer.async_wait([self](const std::error_code& e) {
    if (!e && !self->shut && self->accepting && self->acceptor) self->drain();
  });
}

void Server::Impl::on_accept(UniqueFd fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    spdlog::warn("ttrpc server {}: SO_PEERCRED failed ({}); disconnecting", path,
                 std::strerror(errno));
    return;  // fd closes
  }
  PeerCred peer{cred.pid, cred.uid, cred.gid};
  if (opts.require_same_uid && peer.uid != 0 && peer.uid != ::geteuid()) {
    spdlog::warn("ttrpc server {}: refused peer pid {} uid {} gid {} (only uid {} or root)",
                 path.empty() ? "(adopted fd)" : path, peer.pid, peer.uid, peer.gid, ::geteuid());
    return;  // fd closes
  }
  Socket sock(loop.ctx);
  std::error_code ec;
  sock.assign(asio::local::stream_protocol(), fd.get(), ec);
  if (ec) {
    spdlog::warn("ttrpc server {}: cannot use accepted fd: {}", path, ec.message());
    return;
  }
  fd.release();
  auto conn = std::make_shared<ServerConn>(weak_from_this(), &loop, std::move(sock), peer);
  conns.insert(conn);
  conn->read();
}

void Server::Impl::stop_accepting() {
  accepting = false;
  std::error_code ignored;
  retry_timer.cancel();
  if (acceptor) acceptor->close(ignored);
}

void Server::Impl::shutdown() {
  if (shut) return;
  stop_accepting();
  shut = true;
  auto all = std::move(conns);
  conns.clear();
  for (auto& c : all)
    c->close();
  methods.clear();
  bound.reset();  // unlinks the socket file
}

Server::Server(io::EventLoop& loop, ServerOptions opts)
    : impl_(std::make_shared<Impl>(loop, opts)) {}

Server::~Server() {
  impl_->shutdown();
}

void Server::add_method(const std::string& service, const std::string& method, Handler h) {
  impl_->methods[service][method] = std::move(h);
}

Status Server::listen(const std::string& path) {
  if (impl_->started) return Status::FailedPrecondition("server already serving");
  io::BoundSocket bound;
  Status s = io::bind_listener(path, &bound);
  if (!s.ok()) return s;
  UniqueFd fd = bound.take_fd();
  impl_->bound = std::move(bound);
  impl_->path = path;
  impl_->started = true;
  auto impl = impl_;
  auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
  impl_->loop.dispatch([impl, shared_fd] { impl->start(std::move(*shared_fd)); });
  return Status::Ok();
}

Status Server::adopt(UniqueFd listening_fd) {
  if (impl_->started) return Status::FailedPrecondition("server already serving");
  if (!listening_fd.valid()) return Status::InvalidArgument("adopt: invalid fd");
  int listening = 0;
  socklen_t len = sizeof(listening);
  if (::getsockopt(listening_fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) {
    return Status::FromErrno("adopt: getsockopt(SO_ACCEPTCONN)", errno);
  }
  if (!listening) return Status::InvalidArgument("adopt: fd is not a listening socket");
  // Inherited fds may lack close-on-exec.
  int flags = ::fcntl(listening_fd.get(), F_GETFD);
  if (flags >= 0) ::fcntl(listening_fd.get(), F_SETFD, flags | FD_CLOEXEC);
  impl_->started = true;
  auto impl = impl_;
  auto shared_fd = std::make_shared<UniqueFd>(std::move(listening_fd));
  impl_->loop.dispatch([impl, shared_fd] { impl->start(std::move(*shared_fd)); });
  return Status::Ok();
}

void Server::stop_accepting() {
  auto impl = impl_;
  impl_->loop.dispatch([impl] { impl->stop_accepting(); });
}

const std::string& Server::path() const {
  return impl_->path;
}

}  // namespace ember::ttrpc
