#pragma once
// A fleet member's host memory (docs/fleet.md): read from /proc/meminfo by a
// timer on emberd's event loop, not by an actor (actors read no file), and
// handed to the member's facade, which reports it to the front.
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.hpp"

namespace ember::io {
class EventLoop;
}
namespace ember::actors {
class ControlPlane;
}

namespace ember {

struct HostMemory {
  uint64_t available_mib = 0;  // MemAvailable
  uint64_t total_mib = 0;      // MemTotal
};

// MemAvailable and MemTotal out of /proc/meminfo's text; INVALID_ARGUMENT
// naming the missing line.
Status parse_meminfo(const std::string& text, HostMemory* out);

// Reads the host's memory now and every interval_ms after, each time
// telling plane. Destroying it (not on the loop thread, while the loop runs)
// stops the timer; plane must outlive it.
class HostMemoryReports {
 public:
  HostMemoryReports(io::EventLoop& loop, actors::ControlPlane& plane, uint32_t interval_ms);
  ~HostMemoryReports();
  HostMemoryReports(const HostMemoryReports&) = delete;
  HostMemoryReports& operator=(const HostMemoryReports&) = delete;

 private:
  struct Timer;
  io::EventLoop& loop_;
  std::shared_ptr<Timer> timer_;  // touched only on the loop thread
};

}  // namespace ember
