#include "cmd/emberd/host_memory_reports.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "actors/control_plane.hpp"
#include "base/files.hpp"
#include "io/event_loop.hpp"

namespace ember {

Status parse_meminfo(const std::string& text, HostMemory* out) {
  std::istringstream in(text);
  std::string line;
  bool have_total = false;
  bool have_available = false;
  HostMemory m;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    uint64_t kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "MemTotal:") {
      m.total_mib = kib / 1024;
      have_total = true;
    } else if (key == "MemAvailable:") {
      m.available_mib = kib / 1024;
      have_available = true;
    }
  }
  if (!have_total) return Status::InvalidArgument("/proc/meminfo has no MemTotal line");
  if (!have_available) return Status::InvalidArgument("/proc/meminfo has no MemAvailable line");
  *out = m;
  return Status::Ok();
}

struct HostMemoryReports::Timer {
  io::EventLoop& loop;
  actors::ControlPlane& plane;
  uint32_t interval_ms;
  bool stopped = false;
  bool warned = false;

  // Loop thread: one reading, then the next one scheduled.
  static void tick(const std::shared_ptr<Timer>& t) {
    if (t->stopped) return;
    std::string text;
    HostMemory m;
    Status s = read_file("/proc/meminfo", &text);
    if (s.ok()) s = parse_meminfo(text, &m);
    if (s.ok()) {
      t->plane.report_host_memory(m.available_mib, m.total_mib);
    } else if (!t->warned) {
      t->warned = true;  // once: the next readings would say the same
      spdlog::warn("fleet: cannot read the host's memory: {}", s.message());
    }
    t->loop.after(t->interval_ms, [t] { tick(t); });
  }
};

HostMemoryReports::HostMemoryReports(io::EventLoop& loop, actors::ControlPlane& plane,
                                     uint32_t interval_ms)
    : loop_(loop), timer_(std::make_shared<Timer>(Timer{loop, plane, interval_ms})) {
  loop_.post([t = timer_] { Timer::tick(t); });
}

HostMemoryReports::~HostMemoryReports() {
  // On the loop thread, so no tick runs after this returns.
  loop_.run_and_wait([t = timer_] { t->stopped = true; });
}

}  // namespace ember
