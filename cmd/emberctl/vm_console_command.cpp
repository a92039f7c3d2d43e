// vm console: the guest's serial console, interactive, through the shim's
// console.sock in the VM directory (qemu backend). Ctrl-] detaches; the
// guest keeps running. A terminal on stdin is put in raw mode meanwhile.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "cmd/emberctl/vm_dir_lookup.hpp"
#include "io/unix_socket.hpp"

namespace ember::ctl {
namespace {

constexpr char kDetachKey = 0x1d;  // Ctrl-]
constexpr const char* kConsoleSocket = "console.sock";

// Raw mode on a terminal for as long as it lives; nothing on a pipe.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Copies stdin to the console and the console to stdout until the detach
// key, the end of stdin, or the console closing (the VM ended).
Status relay(int sock, Output& out) {
  pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {sock, POLLIN, 0}};
  char buf[16 * 1024];
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("poll", errno);
    }
    if (fds[1].revents != 0) {
      const ssize_t n = ::read(sock, buf, sizeof buf);
      if (n <= 0) return Status::Ok();  // the shim closed it: the VM ended
      out.text(std::string(buf, static_cast<size_t>(n)));
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) return Status::Ok();
      const std::string typed(buf, static_cast<size_t>(n));
      const size_t key = typed.find(kDetachKey);
      if (!write_all(sock, typed.data(), key == std::string::npos ? typed.size() : key))
        return Status::Unavailable("the console closed");
      if (key != std::string::npos) return Status::Ok();
    }
  }
}

Status run_console(const std::string& id, Invocation& inv) {
  std::string dir;
  if (Status s = vm_dir_of(inv, id, &dir); !s.ok()) return s;
  UniqueFd sock;
  Status s = io::connect_unix(dir + "/" + kConsoleSocket, &sock);
  if (s.code() == Code::not_found)
    return Status::FailedPrecondition("VM " + id + " has no interactive console (" + dir + "/" +
                                      kConsoleSocket + "; only the qemu backend offers one)");
  if (!s.ok()) return s;
  ::dprintf(STDERR_FILENO, "attached to the console of VM %s; Ctrl-] detaches\r\n", id.c_str());
  Status relayed;
  {
    RawTerminal raw(STDIN_FILENO);
    relayed = relay(sock.get(), inv.output());
  }
  ::dprintf(STDERR_FILENO, "\r\ndetached from VM %s\n", id.c_str());
  return relayed;
}

}  // namespace

void add_vm_console_command(CLI::App& vm, Action* chosen) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = vm.add_subcommand(
      "console", "Attach to the guest's serial console (qemu backend); Ctrl-] detaches");
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback(
      [id, chosen] { *chosen = [id](Invocation& inv) { return run_console(*id, inv); }; });
}

}  // namespace ember::ctl
