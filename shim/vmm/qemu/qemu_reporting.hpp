#pragma once
// QemuReporting: LogFifoPath and MetricsFifoPath with the qemu backend.
// - Log FIFO: every line QEMU writes on stdout/stderr, and the shim's lines
//   about the VMM process (started, ended), as Firecracker's log carries its
//   own.
// - Metrics FIFO: one JSON object per line, as Firecracker writes its
//   metrics: a sample when the VM runs, then every 60 s (Firecracker's
//   period) while it runs:
//   {"utc_timestamp_ms":N,"vmm":{"pid":N,"utime_ms":N,"stime_ms":N,
//    "rss_kib":N,"threads":N}} (from /proc/<pid>/stat and statm).
// Either FIFO is made unless one is there, and removed at the end if made
// here (VmmFifo).
#include <sys/types.h>

#include <memory>
#include <string>

#include "base/status.hpp"
#include "io/event_loop.hpp"
#include "shim/vmm/vmm.hpp"
#include "shim/vmm/vmm_fifo.hpp"

namespace ember::shim::qemu {

class QemuReporting {
 public:
  static constexpr long kMetricsPeriodMs = 60000;

  // Opens spec.log_fifo / spec.metrics_fifo (either may be ""); errors as
  // VmmFifo::open, naming LogFifoPath / MetricsFifoPath. Only the shim
  // writes them: QEMU running as another uid needs no access.
  static Status open(io::EventLoop& loop, const VmSpec& spec, std::unique_ptr<QemuReporting>* out);
  ~QemuReporting();
  QemuReporting(const QemuReporting&) = delete;
  QemuReporting& operator=(const QemuReporting&) = delete;

  void log(const std::string& line);
  // The VM runs in process pid: first metrics sample, then the timer.
  void running(pid_t pid);
  // The VMM is gone: no more samples.
  void ended();

  // One metrics line for pid; "" when /proc has no such process.
  static std::string metrics_sample(pid_t pid);

 private:
  explicit QemuReporting(io::EventLoop& loop) : loop_(loop) {}
  void sample();

  io::EventLoop& loop_;
  std::unique_ptr<VmmFifo> log_;
  std::unique_ptr<VmmFifo> metrics_;
  pid_t pid_ = -1;
  io::EventLoop::WatchId timer_ = 0;
};

}  // namespace ember::shim::qemu
