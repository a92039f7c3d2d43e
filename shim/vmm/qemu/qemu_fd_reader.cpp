#include "shim/vmm/qemu/qemu_fd_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace ember::shim::qemu {

QemuFdReader::QemuFdReader(io::EventLoop& loop, int fd, DataFn on_data, EndFn on_end)
    : loop_(loop),
      fd_(fd),
      on_data_(std::move(on_data)),
      on_end_(std::move(on_end)),
      alive_(std::make_shared<char>()) {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  arm();
}

QemuFdReader::~QemuFdReader() {
  if (watch_ != 0) loop_.cancel_watch(watch_);
}

void QemuFdReader::arm() {
  std::weak_ptr<char> alive = alive_;
  // Watches are one-shot: every readiness is followed by reading until
  // EAGAIN and arming again.
  watch_ = loop_.watch_readable(fd_, [this, alive] {
    if (alive.expired()) return;
    watch_ = 0;
    read_available();
    if (!alive.expired() && !ended_ && watch_ == 0) arm();
  });
}

void QemuFdReader::drain() {
  if (!ended_) read_available();
}

void QemuFdReader::read_available() {
  std::weak_ptr<char> alive = alive_;
  char buf[16 * 1024];
  while (!ended_) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) {
      on_data_(std::string_view(buf, static_cast<size_t>(n)));
      if (alive.expired()) return;  // the callback destroyed the reader
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    const int err = n == 0 ? 0 : errno;
    ended_ = true;
    if (watch_ != 0) {
      loop_.cancel_watch(watch_);
      watch_ = 0;
    }
    on_end_(err);
    return;
  }
}

}  // namespace ember::shim::qemu
