#include "shim/vmm/qemu/qemu_output.hpp"

#include <spdlog/spdlog.h>

#include "shim/vmm/qemu/qemu_fd_reader.hpp"

namespace ember::shim::qemu {

QemuOutput::QemuOutput(io::EventLoop& loop, UniqueFd fd,
                       std::function<void(const std::string&)> on_line)
    : fd_(std::move(fd)), on_line_(std::move(on_line)) {
  reader_ = std::make_unique<QemuFdReader>(
      loop, fd_.get(), [this](std::string_view chunk) { on_data(chunk); },
      [this](int) {
        if (!partial_.empty()) add_line(std::move(partial_));
        partial_.clear();
      });
}

QemuOutput::~QemuOutput() = default;

void QemuOutput::drain() {
  reader_->drain();
}

void QemuOutput::on_data(std::string_view chunk) {
  while (!chunk.empty()) {
    const size_t nl = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, nl);
    if (partial_.size() < kMaxLine) partial_.append(piece.substr(0, kMaxLine - partial_.size()));
    if (nl == std::string_view::npos) return;
    chunk.remove_prefix(nl + 1);
    add_line(std::move(partial_));
    partial_.clear();
  }
}

void QemuOutput::add_line(std::string line) {
  if (line.empty()) return;
  spdlog::warn("qemu: {}", line);
  if (on_line_) on_line_(line);
  last_.push_back(std::move(line));
  if (last_.size() > kKeptLines) last_.pop_front();
}

std::string QemuOutput::tail() const {
  std::string out;
  for (const auto& l : last_)
    out += (out.empty() ? "" : "; ") + l;
  return out;
}

}  // namespace ember::shim::qemu
