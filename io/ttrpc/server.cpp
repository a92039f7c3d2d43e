// ttrpc::Server: the listening socket, accepting connections, the Server
// object. One connection's protocol is in server_conn.cpp.
#include "io/ttrpc/server_internal.hpp"

namespace ember::ttrpc {
namespace {

// The tail of a rate-limited line: how many like it were left out.
std::string suppressed(uint64_t held) {
  if (held == 0) return "";
  return " (" + std::to_string(held) + " more since the last such line, not logged)";
}

}  // namespace

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
      if (uint64_t held = 0; accept_errors_log.allow(&held))
        spdlog::warn("ttrpc server {}: accept: {}{}", path, std::strerror(err), suppressed(held));
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
    if (uint64_t held = 0; refused_peers_log.allow(&held))
      spdlog::warn("ttrpc server {}: refused peer pid {} uid {} gid {} (only uid {} or root){}",
                   path.empty() ? "(adopted fd)" : path, peer.pid, peer.uid, peer.gid, ::geteuid(),
                   suppressed(held));
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
  auto conn = std::make_shared<ServerConn>(weak_from_this(), &loop, std::move(sock), peer,
                                           ++last_conn_id, opts.connection);
  conns.insert(conn);
  conn->pump();
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
