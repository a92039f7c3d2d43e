// ttrpc::Server, one connection (its input and bounds: server_input.cpp). Everything here runs on
// the loop thread except Responder::reply()/done(), add_method/listen/adopt (before serving) and
// stop_accepting(), which hop to the loop.
//
// Protocol decisions (client-visible):
//  - even stream id                      -> INVALID_ARGUMENT "stream id N is even ..."
//  - frame body over kMaxBody (4 MiB), or the connection's max_request_bytes
//                                        -> RESOURCE_EXHAUSTED "oversized frame, stream id N ..."
//  - large frame over the server's buffer budget -> RESOURCE_EXHAUSTED "server busy: ..."
//    (the body is discarded as it streams in; the connection stays usable)
//  - stream id already in flight         -> INVALID_ARGUMENT (the first call stays pending)
//  - undecodable body                    -> INVALID_ARGUMENT
//  - empty body (an empty Request)       -> UNIMPLEMENTED "service " (as ttrpc-go)
//  - unknown service / method            -> UNIMPLEMENTED "service X" / "method Y"
//  - frames whose type is not request (1) are ignored (logged at debug level);
//    the connection stays open. So are a client's data frames: the server
//    streams it serves take no client data.
//  - a request flagged `remote closed`/`remote open` is a stream call: its
//    handler may send data frames (Responder::send_data) before the final
//    response.
//  - a truncated frame followed by EOF just closes the connection.
//  - timeout_nano > 0: at the deadline the server answers DEADLINE_EXCEEDED
//    and the handler's later reply() is dropped.
//  - a handler that throws gets INTERNAL answered for it.
#include "io/ttrpc/server_internal.hpp"

namespace ember::ttrpc {

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
    send(sid,
         Status::ResourceExhausted("oversized frame, stream id " + std::to_string(sid) + ": " +
                                   std::to_string(f.header.length) + " bytes > limit " +
                                   std::to_string(std::min(limits.max_request_bytes, kMaxBody))));
    return;
  }
  if (f.refused) {
    auto srv = server.lock();
    send(sid, Status::ResourceExhausted(
                  "server busy: frame of " + std::to_string(f.header.length) +
                  " bytes on stream id " + std::to_string(sid) +
                  " refused, request buffers of all connections are at their limit of " +
                  std::to_string(srv ? srv->opts.max_buffered_request_bytes : 0) + " bytes"));
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
  req.flags = f.header.flags & (kFlagRemoteClosed | kFlagRemoteOpen);
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
  p.request_bytes = std::exchange(frame_bytes, 0);
  if (req.timeout_nano > 0 && req.timeout_nano < kMaxTimeoutNano)
    arm_deadline(&p, std::chrono::nanoseconds(req.timeout_nano));
  const bool was_busy = busy();
  p.stream = req.flags != 0;
  if (!p.stream) ++calls_pending;
  pending.emplace(sid, std::move(p));
  busy_changed(was_busy);

  req.peer = peer;
  req.connection = id;
  req.stream_id = sid;
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

// At the deadline the server answers DEADLINE_EXCEEDED itself; the handler's
// later reply() is dropped.
void ServerConn::arm_deadline(Pending* p, std::chrono::nanoseconds timeout) {
  std::shared_ptr<Responder::State> st = p->state;
  st->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  p->timer = std::make_unique<asio::steady_timer>(loop->ctx);
  p->timer->expires_at(st->deadline);
  std::weak_ptr<ServerConn> weak = weak_from_this();
  p->timer->async_wait([weak, st, timeout](const std::error_code& ec) {
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

void ServerConn::finish(uint32_t sid, const Responder::State* st) {
  auto it = pending.find(sid);
  if (it != pending.end() && it->second.state.get() == st) {
    give_back(it->second.request_bytes);
    const bool was_busy = busy();
    if (!it->second.stream) --calls_pending;
    pending.erase(it);
    busy_changed(was_busy);
  }
  maybe_resume();
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
  queued_reply_bytes += bytes.size();
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
      self->queued_reply_bytes -= o.bytes.size();
      if (o.on_sent) o.on_sent();
    }
    self->write_next();
    self->maybe_resume();
  });
}

void ServerConn::fail_writes() {
  if (in_flight > 0) return;  // the pending write's handler will do it
  auto q = std::move(outq);
  outq.clear();
  queued_reply_bytes = 0;
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
  const bool was_busy = busy();
  for (auto& [sid, p] : pending) {
    std::lock_guard<std::mutex> lock(p.state->mu);
    p.state->done = true;
    give_back(p.request_bytes);
  }
  pending.clear();
  calls_pending = 0;
  busy_changed(was_busy);
  give_back(std::exchange(reserved, 0));
  fail_writes();
  if (auto srv = server.lock()) {
    srv->paused_conns.erase(this);
    srv->conns.erase(self);
  }
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

bool Responder::send_data(std::string payload) const {
  if (!state_) return false;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->done) return false;
  }
  auto st = state_;
  asio::post(st->loop->ctx, [st, payload = std::move(payload)]() mutable {
    auto conn = st->conn.lock();
    if (!conn || conn->closed) return;
    // Still open: no final response (reply, deadline) went out before it.
    auto open = conn->pending.find(st->stream_id);
    if (open == conn->pending.end() || open->second.state != st) return;
    if (payload.size() > kMaxBody) {
      spdlog::warn("ttrpc server: dropping a data frame of {} bytes on stream {}", payload.size(),
                   st->stream_id);
      return;
    }
    conn->write(encode_frame(st->stream_id, kTypeData, payload), nullptr);
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

}  // namespace ember::ttrpc
