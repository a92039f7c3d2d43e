#include "shim/vmm/firecracker/firecracker_socket_wait.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/unix_socket.hpp"

namespace ember::shim::firecracker {
namespace {
constexpr long kMaxRetryMs = 100;
}  // namespace

Status SocketWait::start(const std::string& dir, const std::string& file_name, std::string address,
                         std::function<void()> on_ready) {
  cancel();
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return Status::FromErrno("inotify_init1", errno);
  if (::inotify_add_watch(fd.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    return Status::FromErrno("inotify_add_watch " + dir, errno);
  }
  inotify_ = std::move(fd);
  file_name_ = file_name;
  address_ = std::move(address);
  on_ready_ = std::move(on_ready);
  retry_ms_ = 1;
  arm();
  // In case the socket is there already; never calls back inside start().
  retry_ = loop_.after(0, [this] {
    retry_ = 0;
    try_connect();
  });
  return Status::Ok();
}

void SocketWait::cancel() {
  if (watch_ != 0) loop_.cancel_watch(watch_);
  if (retry_ != 0) loop_.cancel_watch(retry_);
  watch_ = retry_ = 0;
  inotify_.reset();
  on_ready_ = nullptr;
}

void SocketWait::arm() {
  watch_ = loop_.watch_readable(inotify_.get(), [this] {
    watch_ = 0;
    on_events();
  });
}

void SocketWait::on_events() {
  alignas(inotify_event) char buf[4096];
  bool seen = false;
  for (;;) {
    const ssize_t n = ::read(inotify_.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      if (ev->len > 0 && file_name_ == ev->name) seen = true;
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
  arm();
  if (seen && retry_ == 0) try_connect();
}

void SocketWait::try_connect() {
  if (!on_ready_) return;
  UniqueFd fd;
  const Status s = io::connect_unix(address_, &fd, /*nonblocking=*/true);
  if (s.ok()) {
    auto ready = std::move(on_ready_);
    cancel();
    ready();
    return;
  }
  if (s.code() == Code::not_found) return;  // not bound yet: the next event says when
  // Bound but not listening yet (or backlog full): ask again shortly.
  retry_ = loop_.after(retry_ms_, [this] {
    retry_ = 0;
    try_connect();
  });
  retry_ms_ = std::min(retry_ms_ * 2, kMaxRetryMs);
}

}  // namespace ember::shim::firecracker
