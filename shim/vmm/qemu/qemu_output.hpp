#pragma once
// QemuOutput: QEMU's stdout and stderr (one pipe), line by line into the
// shim's log. The last lines are kept: when QEMU fails to start, they say why
// ("could not open ...") and go into the CreateVM error.
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"

namespace ember::shim::qemu {

class QemuFdReader;

class QemuOutput {
 public:
  static constexpr size_t kKeptLines = 4;
  static constexpr size_t kMaxLine = 1024;  // longer lines are cut

  // Takes the pipe's read end; on_line (optional) hears each line too.
  QemuOutput(io::EventLoop& loop, UniqueFd fd,
             std::function<void(const std::string&)> on_line = nullptr);
  ~QemuOutput();
  QemuOutput(const QemuOutput&) = delete;
  QemuOutput& operator=(const QemuOutput&) = delete;

  // Reads what the pipe holds now (call once QEMU has exited).
  void drain();
  // The kept lines joined with "; ", "" when QEMU said nothing.
  std::string tail() const;

 private:
  void on_data(std::string_view chunk);
  void add_line(std::string line);

  UniqueFd fd_;
  std::unique_ptr<QemuFdReader> reader_;
  std::string partial_;
  std::deque<std::string> last_;
  std::function<void(const std::string&)> on_line_;
};

}  // namespace ember::shim::qemu
