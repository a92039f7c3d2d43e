#include "shim/vmm/qemu/qemu_console.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "base/errno_status.hpp"
#include "shim/vmm/qemu/console_attach.hpp"
#include "shim/vmm/qemu/qemu_fd_reader.hpp"

namespace ember::shim::qemu {
namespace {

UniqueFd open_log(const std::string& path) {
  return UniqueFd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
}

}  // namespace

QemuConsole::QemuConsole(std::string dir, size_t cap, ReadyFn on_ready, UniqueFd log)
    : dir_(std::move(dir)), cap_(cap), on_ready_(std::move(on_ready)), log_(std::move(log)) {}

Status QemuConsole::open(io::EventLoop& loop, const std::string& dir, UniqueFd sock, size_t cap,
                         ReadyFn on_ready, std::unique_ptr<QemuConsole>* out) {
  const std::string path = dir + "/" + kLogName;
  UniqueFd log = open_log(path);
  if (!log.valid()) return errno_status("create " + path, errno);
  std::unique_ptr<QemuConsole> console(
      new QemuConsole(dir, cap == 0 ? kDefaultCap : cap, std::move(on_ready), std::move(log)));
  console->sock_ = std::move(sock);
  QemuConsole* self = console.get();
  console->reader_ = std::make_unique<QemuFdReader>(
      loop, console->sock_.get(), [self](std::string_view chunk) { self->on_data(chunk); },
      [](int) {});
  *out = std::move(console);
  return Status::Ok();
}

QemuConsole::~QemuConsole() = default;

void QemuConsole::serve_users(io::EventLoop& loop, io::BoundSocket listener) {
  attach_ = std::make_unique<ConsoleAttach>(loop, std::move(listener), sock_.get());
}

void QemuConsole::drain() {
  reader_->drain();
}

void QemuConsole::remove_files() {
  log_.reset();
  ::unlink((dir_ + "/" + kLogName).c_str());
  ::unlink((dir_ + "/" + kOldLogName).c_str());
}

void QemuConsole::on_data(std::string_view chunk) {
  write_log(chunk);
  if (attach_) attach_->output(chunk);
  scan_lines(chunk);
}

void QemuConsole::write_log(std::string_view chunk) {
  while (!chunk.empty() && log_.valid()) {
    if (log_size_ >= cap_) {
      // Rotate: the full log becomes the old one, a new one starts.
      const std::string path = dir_ + "/" + kLogName;
      log_.reset();
      if (std::rename(path.c_str(), (dir_ + "/" + kOldLogName).c_str()) != 0) {
        spdlog::warn("console log rotation failed: {}", std::strerror(errno));
        return;
      }
      log_ = open_log(path);
      log_size_ = 0;
      if (!log_.valid()) {
        spdlog::warn("cannot reopen {}: {}", path, std::strerror(errno));
        return;
      }
    }
    const size_t room = cap_ - log_size_;
    const size_t n = chunk.size() < room ? chunk.size() : room;
    const ssize_t w = ::write(log_.get(), chunk.data(), n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      spdlog::warn("console log write failed: {}", std::strerror(errno));
      log_.reset();
      return;
    }
    log_size_ += static_cast<size_t>(w);
    chunk.remove_prefix(static_cast<size_t>(w));
  }
}

void QemuConsole::scan_lines(std::string_view chunk) {
  if (ready_seen_) return;
  while (!chunk.empty()) {
    const size_t nl = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, nl);
    if (line_.size() < kMaxLine) line_.append(piece.substr(0, kMaxLine - line_.size()));
    if (nl == std::string_view::npos) return;
    chunk.remove_prefix(nl + 1);
    std::string line = std::move(line_);
    line_.clear();
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.pop_back();
    const size_t at = line.find(kReadyMarker);
    if (at != std::string::npos) {
      ready_seen_ = true;  // kernel messages may precede the marker on its line
      if (on_ready_) on_ready_(line.substr(at));
      return;
    }
  }
}

}  // namespace ember::shim::qemu
