#include "shim/vmm/qemu/console_attach.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "shim/vmm/qemu/qemu_fd_reader.hpp"

namespace ember::shim::qemu {
namespace {

constexpr std::string_view kBusy = "ember: another user is attached to this console\r\n";

// Writes what fits now; a full socket drops the rest (nobody waits).
bool send_now(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

ConsoleAttach::ConsoleAttach(io::EventLoop& loop, io::BoundSocket listener, int guest_fd)
    : loop_(loop),
      listener_(std::move(listener)),
      guest_fd_(guest_fd),
      alive_(std::make_shared<char>()) {
  arm_accept();
}

ConsoleAttach::~ConsoleAttach() {
  if (accept_watch_ != 0) loop_.cancel_watch(accept_watch_);
  user_reader_.reset();
}

void ConsoleAttach::arm_accept() {
  std::weak_ptr<char> alive = alive_;
  accept_watch_ = loop_.watch_readable(listener_.fd(), [this, alive] {
    if (alive.expired()) return;
    accept_watch_ = 0;
    on_accept();
    arm_accept();
  });
}

void ConsoleAttach::on_accept() {
  UniqueFd conn(::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!conn) return;
  if (user_) {
    send_now(conn.get(), kBusy);
    return;
  }
  user_ = std::move(conn);
  std::weak_ptr<char> alive = alive_;
  user_reader_ = std::make_unique<QemuFdReader>(
      loop_, user_.get(),
      [this, alive](std::string_view chunk) {
        if (!alive.expired()) on_input(chunk);
      },
      [this, alive](int) {
        // Not inside the reader's own callback: it is destroyed then.
        loop_.post([this, alive] {
          if (!alive.expired()) detach_user();
        });
      });
}

void ConsoleAttach::on_input(std::string_view chunk) {
  send_now(guest_fd_, chunk);
}

void ConsoleAttach::output(std::string_view chunk) {
  if (user_ && !send_now(user_.get(), chunk)) {
    // The user hung up: let go at once; the reader's end follows.
    loop_.post([this, alive = std::weak_ptr<char>(alive_)] {
      if (!alive.expired()) detach_user();
    });
  }
}

void ConsoleAttach::detach_user() {
  user_reader_.reset();
  user_.reset();
}

}  // namespace ember::shim::qemu
