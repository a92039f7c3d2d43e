#pragma once
// QemuConsole: the guest's serial console (ttyS0), read from the shim's end
// of a socketpair whose other end QEMU writes to. Everything is appended to
// console.log in the VM dir; when it reaches the cap it becomes console.log.1
// (replacing the previous one) and a new console.log starts, so the console
// never takes more than twice the cap on disk. The first line that holds the
// guest's ready marker is reported once.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"

namespace ember::shim::qemu {

class QemuFdReader;
class ConsoleAttach;

class QemuConsole {
 public:
  static constexpr const char* kLogName = "console.log";
  static constexpr const char* kOldLogName = "console.log.1";
  static constexpr const char* kReadyMarker = "EMBER-GUEST-READY";
  static constexpr size_t kDefaultCap = 1 << 20;
  static constexpr size_t kMaxLine = 4096;  // longer lines are not searched further

  // The marker line from the marker on, without its line end.
  using ReadyFn = std::function<void(const std::string& line)>;

  // Creates (truncates) <dir>/console.log, 0600, and starts reading sock.
  static Status open(io::EventLoop& loop, const std::string& dir, UniqueFd sock, size_t cap,
                     ReadyFn on_ready, std::unique_ptr<QemuConsole>* out);
  // Stops reading; the files stay (see remove_files).
  ~QemuConsole();
  QemuConsole(const QemuConsole&) = delete;
  QemuConsole& operator=(const QemuConsole&) = delete;

  // Lets users attach to the console through listener (console_attach.hpp).
  void serve_users(io::EventLoop& loop, io::BoundSocket listener);
  // Reads what the socket holds now (once QEMU has exited).
  void drain();
  // Deletes console.log and console.log.1.
  void remove_files();
  std::string log_path() const { return dir_ + "/" + kLogName; }

 private:
  QemuConsole(std::string dir, size_t cap, ReadyFn on_ready, UniqueFd log);
  void on_data(std::string_view chunk);
  void write_log(std::string_view chunk);
  void scan_lines(std::string_view chunk);

  std::string dir_;
  size_t cap_;
  ReadyFn on_ready_;
  UniqueFd log_;         // empty after a failed rotation: the rest is dropped
  size_t log_size_ = 0;  // bytes in the current console.log
  UniqueFd sock_;
  std::unique_ptr<QemuFdReader> reader_;
  std::string line_;  // the current line, up to kMaxLine bytes
  bool ready_seen_ = false;
  std::unique_ptr<ConsoleAttach> attach_;  // borrows sock_: declared after it
};

}  // namespace ember::shim::qemu
