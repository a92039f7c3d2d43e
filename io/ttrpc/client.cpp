// ttrpc::Client: one connection, calls multiplexed on odd stream ids (1, 3,
// 5, ...). Public methods may be called from any thread; they hop to the loop
// thread, where all socket work and every completion happens. They post
// (never run inline), so no callback ever runs inside call()/close()/on_close().
#include <spdlog/spdlog.h>
#include <array>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <unordered_map>

#include "io/event_loop_impl.hpp"
#include "io/read_when_ready.hpp"
#include "io/ttrpc/frame.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"

namespace ember::ttrpc {
namespace {
using Socket = asio::local::stream_protocol::socket;
}  // namespace

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  explicit Impl(io::EventLoop::Impl& l) : loop(l), sock(l.ctx) {}

  void read();
  void start_call(std::string what, std::string body, std::chrono::nanoseconds timeout, Done done,
                  DataFn on_data = nullptr);
  void on_frame(Frame& f);
  void on_data_frame(Frame& f);
  void write(std::string bytes);
  void write_next();
  void teardown(const std::string& why);

  struct Call {
    Done done;
    std::unique_ptr<asio::steady_timer> timer;
    std::string what;  // "Service/Method", for messages
    DataFn on_data;    // set on a stream call only
  };

  io::EventLoop::Impl& loop;
  std::atomic<bool> closed{false};  // close() requested or connection gone

  // Loop thread only.
  Socket sock;
  FrameDecoder decoder;
  std::vector<Frame> frames;
  uint32_t next_id = 1;
  std::unordered_map<uint32_t, Call> calls;
  std::deque<std::string> outq;
  size_t in_flight = 0;
  bool torn_down = false;
  std::vector<std::function<void()>> close_fns;
};

void Client::Impl::read() {
  auto self = shared_from_this();
  io::read_when_ready(sock, [self](const char* data, size_t n, const std::error_code& ec) {
    if (self->torn_down) return;
    if (ec) {
      self->teardown(ec == asio::error::eof ? "connection closed by the server"
                                            : "connection lost: " + ec.message());
      return;
    }
    self->frames.clear();
    self->decoder.feed(data, n, &self->frames);
    for (auto& f : self->frames) {
      self->on_frame(f);
      if (self->torn_down) return;
    }
    self->read();
  });
}

// A data frame on a stream call: its payload to on_data; the server's last
// (flagged `remote closed`) also ends the stream, OK.
void Client::Impl::on_data_frame(Frame& f) {
  auto it = calls.find(f.header.stream_id);
  if (it == calls.end() || !it->second.on_data) return;  // not a stream of ours
  if (!f.oversized && !(f.header.flags & kFlagNoData)) it->second.on_data(std::move(f.body));
  if (!(f.header.flags & kFlagRemoteClosed)) return;
  it = calls.find(f.header.stream_id);  // on_data may have closed the client
  if (it == calls.end()) return;
  Call call = std::move(it->second);
  calls.erase(it);
  call.done(CallResult{Status::Ok(), {}});
}

void Client::Impl::on_frame(Frame& f) {
  if (f.header.type == kTypeData) {
    on_data_frame(f);
    return;
  }
  if (f.header.type != kTypeResponse) {
    spdlog::debug("ttrpc client: ignoring frame of type {} on stream {}", f.header.type,
                  f.header.stream_id);
    return;
  }
  auto it = calls.find(f.header.stream_id);
  if (it == calls.end()) return;  // timed out locally, or not ours
  Call call = std::move(it->second);
  calls.erase(it);
  CallResult r;
  if (f.oversized) {
    r.status =
        Status::ResourceExhausted(call.what + ": response of " + std::to_string(f.header.length) +
                                  " bytes exceeds the 4 MiB limit");
  } else if (!decode_response(f.body, &r)) {
    r = CallResult{Status::Internal(call.what + ": undecodable response"), {}};
  }
  call.done(std::move(r));
}

void Client::Impl::start_call(std::string what, std::string body, std::chrono::nanoseconds timeout,
                              Done done, DataFn on_data) {
  if (torn_down) {
    done(CallResult{Status::Unavailable(what + ": connection closed"), {}});
    return;
  }
  uint32_t id = next_id;
  while (calls.count(id))
    id += 2;  // only after 2^31 calls wrapped around
  next_id = id + 2;

  Call call;
  call.done = std::move(done);
  call.what = std::move(what);
  call.on_data = std::move(on_data);
  const uint8_t flags = call.on_data ? kFlagRemoteClosed : 0;
  if (timeout.count() > 0) {
    call.timer = std::make_unique<asio::steady_timer>(loop.ctx);
    call.timer->expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout));
    std::weak_ptr<Impl> weak = weak_from_this();
    call.timer->async_wait([weak, id](const std::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      auto it = self->calls.find(id);
      if (it == self->calls.end()) return;
      Call c = std::move(it->second);
      self->calls.erase(it);
      c.done(CallResult{Status::DeadlineExceeded(c.what + ": deadline exceeded (client)"), {}});
    });
  }
  calls.emplace(id, std::move(call));
  write(encode_frame(id, kTypeRequest, body, flags));
}

void Client::Impl::write(std::string bytes) {
  outq.push_back(std::move(bytes));
  if (in_flight == 0) write_next();
}

void Client::Impl::write_next() {
  if (outq.empty() || torn_down) return;
  std::vector<asio::const_buffer> bufs;
  bufs.reserve(std::min<size_t>(outq.size(), 64));
  for (size_t i = 0; i < outq.size() && i < 64; ++i)
    bufs.emplace_back(asio::buffer(outq[i]));
  in_flight = bufs.size();
  auto self = shared_from_this();
  asio::async_write(sock, bufs, [self](const std::error_code& ec, size_t) {
    size_t n = std::exchange(self->in_flight, 0);
    if (self->torn_down) return;
    if (ec) {
      self->teardown("connection lost: " + ec.message());
      return;
    }
    self->outq.erase(self->outq.begin(), self->outq.begin() + static_cast<std::ptrdiff_t>(n));
    self->write_next();
  });
}

void Client::Impl::teardown(const std::string& why) {
  if (torn_down) return;
  torn_down = true;
  closed.store(true);
  std::error_code ignored;
  sock.close(ignored);
  outq.clear();
  // Every pending call completes now, in stream order.
  std::map<uint32_t, Call> pending;
  for (auto& [id, c] : calls)
    pending.emplace(id, std::move(c));
  calls.clear();
  for (auto& [id, c] : pending) {
    if (c.timer) c.timer->cancel();
    c.done(CallResult{Status::Unavailable(c.what + ": " + why), {}});
  }
  auto fns = std::move(close_fns);
  close_fns.clear();
  for (auto& fn : fns)
    fn();
}

// ---- Client ----

std::shared_ptr<Client> Client::connect(io::EventLoop& loop, const std::string& path,
                                        Status* error) {
  UniqueFd fd;
  Status s = io::connect_unix(path, &fd, /*nonblocking=*/true);
  if (!s.ok()) {
    if (error) *error = s;
    return nullptr;
  }
  if (error) *error = Status::Ok();
  return adopt(loop, std::move(fd));
}

std::shared_ptr<Client> Client::adopt(io::EventLoop& loop, UniqueFd connected) {
  auto impl = std::make_shared<Impl>(loop.impl());
  std::error_code ec;
  impl->sock.assign(asio::local::stream_protocol(), connected.get(), ec);
  if (ec) {
    spdlog::error("ttrpc client: cannot use fd {}: {}", connected.get(), ec.message());
    impl->closed.store(true);
    asio::post(impl->loop.ctx, [impl] { impl->teardown("bad socket"); });
  } else {
    connected.release();
    asio::post(impl->loop.ctx, [impl] { impl->read(); });
  }
  return std::make_shared<Client>(impl);
}

Client::Client(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  close();
}

void Client::call(const std::string& service, const std::string& method, std::string payload,
                  CallOptions opts, Done done) {
  stream_or_call(service, method, std::move(payload), std::move(opts), nullptr, std::move(done));
}

void Client::stream(const std::string& service, const std::string& method, std::string payload,
                    CallOptions opts, DataFn on_data, Done done) {
  if (!on_data) on_data = [](std::string) {};
  stream_or_call(service, method, std::move(payload), std::move(opts), std::move(on_data),
                 std::move(done));
}

void Client::stream_or_call(const std::string& service, const std::string& method,
                            std::string payload, CallOptions opts, DataFn on_data, Done done) {
  std::string what = service + "/" + method;
  Request req;
  req.service = service;
  req.method = method;
  req.payload = std::move(payload);
  req.timeout_nano = opts.timeout.count() > 0 ? opts.timeout.count() : 0;
  req.metadata = std::move(opts.metadata);
  std::string body = encode_request(req);
  auto impl = impl_;
  if (body.size() > kMaxBody) {
    asio::post(impl->loop.ctx, [what, n = body.size(), done = std::move(done)] {
      done(CallResult{Status::ResourceExhausted(what + ": request of " + std::to_string(n) +
                                                " bytes exceeds the 4 MiB limit"),
                      {}});
    });
    return;
  }
  asio::post(impl->loop.ctx,
             [impl, what = std::move(what), body = std::move(body), timeout = opts.timeout,
              done = std::move(done), on_data = std::move(on_data)]() mutable {
               impl->start_call(std::move(what), std::move(body), timeout, std::move(done),
                                std::move(on_data));
             });
}

CallResult Client::call_sync(const std::string& service, const std::string& method,
                             std::string payload, CallOptions opts) {
  if (impl_->loop.in_loop_thread()) {
    return CallResult{Status::Internal("call_sync called on the loop thread (would deadlock)"), {}};
  }
  if (impl_->loop.stopped.load()) {
    return CallResult{Status::Unavailable("call_sync: the event loop is stopped"), {}};
  }
  auto promise = std::make_shared<std::promise<CallResult>>();
  auto future = promise->get_future();
  call(service, method, std::move(payload), std::move(opts),
       [promise](CallResult r) { promise->set_value(std::move(r)); });
  return future.get();
}

void Client::on_close(std::function<void()> fn) {
  auto impl = impl_;
  asio::post(impl->loop.ctx, [impl, fn = std::move(fn)]() mutable {
    if (impl->torn_down) {
      fn();
    } else {
      impl->close_fns.push_back(std::move(fn));
    }
  });
}

void Client::close() {
  impl_->closed.store(true);
  auto impl = impl_;
  asio::post(impl->loop.ctx, [impl] { impl->teardown("connection closed by the client"); });
}

bool Client::closed() const {
  return impl_->closed.load();
}

}  // namespace ember::ttrpc
