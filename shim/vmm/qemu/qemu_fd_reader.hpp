#pragma once
// QemuFdReader: reads a non-blocking fd (socket or pipe) on the event loop
// and hands every chunk to a callback. The QEMU backend reads QMP, the guest
// console and QEMU's own output with it. It borrows the fd: the owner keeps
// it open for the reader's lifetime.
#include <functional>
#include <memory>
#include <string_view>

#include "io/event_loop.hpp"

namespace ember::shim::qemu {

class QemuFdReader {
 public:
  using DataFn = std::function<void(std::string_view chunk)>;
  // 0 at end of stream, else the errno of the failed read.
  using EndFn = std::function<void(int err)>;

  // Makes fd non-blocking and starts watching it (on the loop thread).
  QemuFdReader(io::EventLoop& loop, int fd, DataFn on_data, EndFn on_end);
  // Loop thread (or no running loop): no callback runs after this returns.
  ~QemuFdReader();
  QemuFdReader(const QemuFdReader&) = delete;
  QemuFdReader& operator=(const QemuFdReader&) = delete;

  // Reads what is available now without waiting: a dead process's last
  // words are in its pipe before its pidfd says it exited. May run on_end.
  void drain();
  bool ended() const { return ended_; }

 private:
  void arm();
  void read_available();

  io::EventLoop& loop_;
  int fd_;
  DataFn on_data_;
  EndFn on_end_;
  bool ended_ = false;
  io::EventLoop::WatchId watch_ = 0;  // 0 when not armed
  std::shared_ptr<char> alive_;       // callbacks hold a weak_ptr to it
};

}  // namespace ember::shim::qemu
