#pragma once
// ConsoleAttach: the interactive side of the guest's serial console. A user
// connects to console.sock in the VM dir (`emberctl vm console`): what the
// guest writes goes to them as well as to console.log, what they type goes
// to the guest's ttyS0. One user at a time; a second connection is told so
// and closed. A user who does not read fast enough misses output (the log
// keeps it all): the guest never waits for them.
#include <memory>
#include <string_view>

#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"

namespace ember::shim::qemu {

class QemuFdReader;

class ConsoleAttach {
 public:
  // Serves listener (its socket file removed with this object); typed input
  // is written to guest_fd, which the caller keeps open.
  ConsoleAttach(io::EventLoop& loop, io::BoundSocket listener, int guest_fd);
  ~ConsoleAttach();
  ConsoleAttach(const ConsoleAttach&) = delete;
  ConsoleAttach& operator=(const ConsoleAttach&) = delete;

  // What the guest wrote, for the attached user if there is one.
  void output(std::string_view chunk);

 private:
  void arm_accept();
  void on_accept();
  void on_input(std::string_view chunk);
  void detach_user();

  io::EventLoop& loop_;
  io::BoundSocket listener_;
  int guest_fd_;
  io::EventLoop::WatchId accept_watch_ = 0;
  UniqueFd user_;
  std::unique_ptr<QemuFdReader> user_reader_;
  std::shared_ptr<char> alive_;  // callbacks hold a weak_ptr to it
};

}  // namespace ember::shim::qemu
