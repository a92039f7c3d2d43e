#pragma once
// VmmFifo: a FIFO the shim writes a VMM's log or metrics into
// (LogFifoPath / MetricsFifoPath with the qemu backend). Made with mode 0600
// unless a FIFO is there already (then it is used and left in place); held
// open read-write and non-blocking, so a write never waits for a reader and
// never fails for want of one: when nobody drains it and it is full, lines
// are dropped (and counted), as Firecracker drops its own.
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::shim {

class VmmFifo {
 public:
  // `field` names it in errors: INVALID_ARGUMENT "<field> <path> exists and
  // is not a FIFO", else mkfifo's / open's errno. Nothing is left on error.
  static Status open(const std::string& field, const std::string& path,
                     std::unique_ptr<VmmFifo>* out);
  // Removes the FIFO if it was made here.
  ~VmmFifo();
  VmmFifo(const VmmFifo&) = delete;
  VmmFifo& operator=(const VmmFifo&) = delete;

  // Writes line + "\n" whole, or not at all.
  void write_line(const std::string& line);
  const std::string& path() const { return path_; }
  uint64_t dropped() const { return dropped_; }

 private:
  VmmFifo(std::string path, bool made) : path_(std::move(path)), made_(made) {}

  std::string path_;
  bool made_;
  UniqueFd fd_;
  uint64_t dropped_ = 0;
};

}  // namespace ember::shim
