#include "bench/lib/flooder.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "io/ttrpc/frame.hpp"
#include "io/unix_socket.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::bench {

namespace {
constexpr uint32_t kBatch = 256;  // frames per write
}

Flooder::Flooder(std::string address, std::string ns, std::string method, std::string payload)
    : address_(std::move(address)),
      ns_(std::move(ns)),
      method_(std::move(method)),
      payload_(std::move(payload)) {}

Flooder::~Flooder() {
  stop();
}

Status Flooder::start(Mode mode) {
  Status s = io::connect_unix(address_, &fd_, /*nonblocking=*/mode == Mode::unread);
  if (!s.ok()) return s;
  if (mode == Mode::unread) {
    writer_ = std::thread([this] { write_unread(); });
  } else {
    writer_ = std::thread([this] { write_fast(); });
    reader_ = std::thread([this] { read_replies(); });
  }
  return Status::Ok();
}

void Flooder::stop() {
  stopping_ = true;
  if (fd_.valid()) ::shutdown(fd_.get(), SHUT_RDWR);  // wakes both threads
  if (writer_.joinable()) writer_.join();
  if (reader_.joinable()) reader_.join();
  fd_.reset();
}

std::string Flooder::batch(uint32_t n) {
  ttrpc::Request req;
  req.service = msg::kFirecrackerService;
  req.method = method_;
  req.payload = payload_;
  req.metadata = {{ttrpc::kNamespaceKey, ns_}};
  const std::string body = ttrpc::encode_request(req);
  std::string out;
  for (uint32_t i = 0; i < n; ++i) {
    out += ttrpc::encode_frame(next_stream_, ttrpc::kTypeRequest, body);
    next_stream_ += 2;
  }
  return out;
}

// Writes until the socket is full, then waits (briefly, to notice stop())
// for room: emberd reads only while its caps allow.
void Flooder::write_unread() {
  const uint64_t frame_size = batch(1).size();  // every frame has the same size
  uint64_t written = 0;
  std::string pending;
  while (!stopping_) {
    if (pending.empty()) pending = batch(kBatch);
    ssize_t n = ::send(fd_.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending.erase(0, static_cast<size_t>(n));
      written += static_cast<uint64_t>(n);
      sent_ = written / frame_size;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_.get(), POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    return;  // closed
  }
}

void Flooder::write_fast() {
  while (!stopping_) {
    const std::string frames = batch(kBatch);
    std::string_view left = frames;
    while (!left.empty()) {
      ssize_t n = ::send(fd_.get(), left.data(), left.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // closed or shut down by stop()
      left.remove_prefix(static_cast<size_t>(n));
    }
    sent_ += kBatch;
  }
}

// Counts replies by their headers, skipping bodies.
void Flooder::read_replies() {
  ttrpc::FrameDecoder decoder;
  std::vector<ttrpc::Frame> frames;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    frames.clear();
    decoder.feed(buf, static_cast<size_t>(n), &frames);
    answered_ += frames.size();
  }
}

}  // namespace ember::bench
