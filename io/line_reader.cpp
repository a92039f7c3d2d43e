#include "io/line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <string>

#include "io/event_loop_impl.hpp"
#include "io/read_when_ready.hpp"

namespace ember::io {

struct LineReader::Impl : std::enable_shared_from_this<LineReader::Impl> {
  Impl(EventLoop::Impl& l, LineFn line, std::function<void()> eof)
      : desc(l.ctx), on_line(std::move(line)), on_eof(std::move(eof)) {}

  void read();
  void consume(const char* data, size_t n);
  void finish();
  // Delivers partial + data[0, n) as one line.
  void emit(const char* data, size_t n);

  asio::posix::stream_descriptor desc;
  LineFn on_line;
  std::function<void()> on_eof;
  std::string partial;
  bool stopped = false;  // loop thread only
};

void LineReader::Impl::read() {
  auto self = shared_from_this();
  read_when_ready(desc, [self](const char* data, size_t n, const std::error_code& ec) {
    if (self->stopped) return;
    if (n > 0) self->consume(data, n);
    if (self->stopped) return;  // a callback destroyed the reader
    if (ec) {
      self->finish();
      return;
    }
    self->read();
  });
}

void LineReader::Impl::consume(const char* data, size_t n) {
  const char* end = data + n;
  while (data < end && !stopped) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', end - data));
    size_t avail = nl ? static_cast<size_t>(nl - data) : static_cast<size_t>(end - data);
    size_t room = kMaxLine - partial.size();
    if (avail > room) {
      // Longer than kMaxLine: deliver a kMaxLine piece, the rest follows.
      emit(data, room);
      data += room;
      continue;
    }
    if (!nl) {
      partial.append(data, avail);  // may fill up to exactly kMaxLine
      return;
    }
    emit(data, avail);
    data = nl + 1;
  }
}

void LineReader::Impl::emit(const char* data, size_t n) {
  if (partial.empty()) {
    on_line(std::string_view(data, n));
    return;
  }
  partial.append(data, n);
  std::string line = std::move(partial);
  partial.clear();
  on_line(line);
}

void LineReader::Impl::finish() {
  if (!partial.empty()) {
    std::string line = std::move(partial);
    partial.clear();
    on_line(line);
    if (stopped) return;
  }
  stopped = true;
  std::error_code ignored;
  desc.close(ignored);
  if (on_eof) on_eof();
}

LineReader::LineReader(EventLoop& loop, UniqueFd fd, LineFn on_line, std::function<void()> on_eof)
    : impl_(std::make_shared<Impl>(loop.impl(), std::move(on_line), std::move(on_eof))) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  auto impl = impl_;
  auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
  loop.impl().dispatch([impl, shared_fd] {
    if (impl->stopped) return;  // destroyed before it started: the fd closes here
    std::error_code ec;
    impl->desc.assign(shared_fd->get(), ec);
    if (ec) {
      impl->finish();
      return;
    }
    shared_fd->release();
    impl->read();
  });
}

void LineReader::drain() {
  Impl& impl = *impl_;
  if (impl.stopped || !impl.desc.is_open()) return;
  // The fd is non-blocking: read() ends at EAGAIN. EOF and errors are left
  // to the pending asynchronous read, which sees them again.
  std::vector<char>& buf = thread_read_buffer();
  for (;;) {
    ssize_t n = ::read(impl.desc.native_handle(), buf.data(), buf.size());
    if (n <= 0) return;
    impl.consume(buf.data(), static_cast<size_t>(n));
    if (impl.stopped) return;
  }
}

LineReader::~LineReader() {
  impl_->stopped = true;
  std::error_code ignored;
  // The callbacks are released with the Impl, once the aborted read is gone
  // (they may be running right now, if one of them destroys this reader).
  impl_->desc.close(ignored);
}

}  // namespace ember::io
