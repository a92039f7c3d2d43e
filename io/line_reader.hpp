#pragma once
// LineReader: reads text lines from a pipe on the event loop (emberd uses it
// to forward each shim's stdout/stderr into its own log).
#include <functional>
#include <memory>
#include <string_view>

#include "base/unique_fd.hpp"

namespace ember::io {

class EventLoop;

class LineReader {
 public:
  // Lines longer than this are delivered in pieces of kMaxLine bytes.
  static constexpr size_t kMaxLine = 4096;
  using LineFn = std::function<void(std::string_view line)>;

  // Any thread. Takes fd (a pipe's read end; made non-blocking) and starts
  // reading on the loop thread. on_line runs on the loop thread once per line,
  // without its '\n' (empty lines included); at EOF (or a read error) a
  // partial last line is delivered, then on_eof (optional) runs once.
  LineReader(EventLoop& loop, UniqueFd fd, LineFn on_line, std::function<void()> on_eof = nullptr);
  // Loop thread, or while the loop is not running: stops reading and closes
  // the fd; no callback runs after this returns.
  ~LineReader();
  // Loop thread: delivers now the whole lines already in the pipe (a process
  // that has exited wrote them before its exit, which may be seen first).
  void drain();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ember::io
