// ttrpc::Server, one connection's input and the bounds on it: how many
// requests are in flight, how many reply bytes wait for a client that does not
// read, how many request bytes are buffered (per connection and in all), and
// how many requests one connection gets per turn of the loop. emberd's actors
// run on this same loop thread (actors/loop_coordinator.hpp), so a turn that
// ends hands the thread to them and to the other connections alike.
//
// Decisions (client-visible, docs/reliability.md "Limits and deadlines"):
//  - over its share of max_in_flight (max_in_flight divided equally between
//    the connections that have a call in flight; an open stream is no call) or
//    max_queued_reply_bytes: the connection is not read (its requests wait in the socket, then in
//    the client) until an answer goes out or the client reads its replies. Nothing is refused.
//  - a body over max_request_bytes: RESOURCE_EXHAUSTED, as an oversized frame.
//  - the process-wide budget (max_buffered_request_bytes: request bytes being
//    received or waiting for their answer) is spent: a frame
//    over kAlwaysAdmittedRequestBytes is answered RESOURCE_EXHAUSTED at its
//    header and its body skipped, rather than stopping reads, so a client
//    holding large partial frames cannot stall the others.
#include "io/ttrpc/server_internal.hpp"

namespace ember::ttrpc {

void ServerConn::pump() {
  uint32_t taken = 0;
  while (!closed) {
    if (over_limits()) {
      pause();
      return;
    }
    if (buf_begin == buf_end) {
      read();
      return;
    }
    if (taken >= limits.requests_per_turn) {
      post_pump();  // behind whatever else is ready on the loop
      return;
    }
    Frame f;
    bool got = false;
    buf_begin += decoder.feed_one(buf.data() + buf_begin, buf_end - buf_begin, &f, &got);
    if (!got) continue;
    frame_bytes = (f.oversized || f.refused) ? 0 : std::exchange(reserved, 0);
    ++taken;
    handle(f);
    give_back(std::exchange(frame_bytes, 0));  // still here: answered without a handler
  }
}

void ServerConn::post_pump() {
  auto self = shared_from_this();
  asio::post(loop->ctx, [self] {
    if (!self->closed) self->pump();
  });
}

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
    self->buf_begin = 0;
    self->buf_end = n;
    self->pump();
  });
}

bool ServerConn::over_limits() const {
  return pending.size() >= in_flight_share() || queued_reply_bytes >= limits.max_queued_reply_bytes;
}

uint32_t ServerConn::in_flight_share() const {
  auto srv = server.lock();
  if (!srv || !limits.share_in_flight) return limits.max_in_flight;
  size_t others = srv->busy_connections - (busy() ? 1 : 0);
  return std::max<uint32_t>(1, static_cast<uint32_t>(limits.max_in_flight / (others + 1)));
}

void ServerConn::busy_changed(bool was_busy) {
  auto srv = server.lock();
  if (!srv || was_busy == busy()) return;
  if (!was_busy) {
    ++srv->busy_connections;
    return;
  }
  --srv->busy_connections;
  // The others' shares grew: each paused one checks its caps again.
  std::vector<ServerConn*> paused_now(srv->paused_conns.begin(), srv->paused_conns.end());
  for (ServerConn* c : paused_now) {
    if (c != this) c->maybe_resume();
  }
}

void ServerConn::pause() {
  paused = true;
  if (auto srv = server.lock()) srv->paused_conns.insert(this);
}

void ServerConn::maybe_resume() {
  if (!paused || closed || over_limits()) return;
  paused = false;
  if (auto srv = server.lock()) srv->paused_conns.erase(this);
  post_pump();
}

bool ServerConn::admit(uint32_t length) {
  auto srv = server.lock();
  if (!srv) return true;  // closing anyway
  if (length > kAlwaysAdmittedRequestBytes &&
      srv->buffered_request_bytes + length > srv->opts.max_buffered_request_bytes) {
    ++srv->refused_frames;
    return false;
  }
  srv->buffered_request_bytes += length;
  reserved = length;
  return true;
}

void ServerConn::give_back(uint64_t bytes) {
  if (bytes == 0) return;
  if (auto srv = server.lock()) srv->buffered_request_bytes -= bytes;
}

ServerStats Server::stats() const {
  ServerStats out;
  out.connections = impl_->conns.size();
  out.buffered_request_bytes = impl_->buffered_request_bytes;
  out.refused_frames = impl_->refused_frames;
  out.busy_connections = impl_->busy_connections;
  for (const auto& c : impl_->conns) {
    if (c->paused) ++out.paused_connections;
    out.requests_in_flight += c->pending.size();
    out.queued_reply_bytes += c->queued_reply_bytes;
    out.partial_frame_bytes += c->decoder.buffered_bytes();
  }
  return out;
}

}  // namespace ember::ttrpc
