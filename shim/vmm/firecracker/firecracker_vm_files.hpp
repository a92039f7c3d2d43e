#pragma once
// FirecrackerVmFiles: what a Firecracker VM uses in its VM directory, named
// as shimproc::VmDir names them: the API socket Firecracker binds, and the
// log and metrics FIFOs the shim makes for it. remove() (and destruction)
// takes away the socket and the FIFOs this object made; FIFOs that were
// there before (made by someone else) stay.
#include <string>

#include "base/status.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shim::firecracker {

class FirecrackerVmFiles {
 public:
  static constexpr const char* kApiSocket = shimproc::kVmmSocketFile;
  static constexpr const char* kLogFifo = shimproc::kVmmLogFifo;
  static constexpr const char* kMetricsFifo = shimproc::kMetricsFifo;

  explicit FirecrackerVmFiles(std::string vm_dir) : dir_(std::move(vm_dir)) {}
  ~FirecrackerVmFiles() { remove(); }
  FirecrackerVmFiles(const FirecrackerVmFiles&) = delete;
  FirecrackerVmFiles& operator=(const FirecrackerVmFiles&) = delete;

  const std::string& dir() const { return dir_; }
  std::string api_socket_path() const { return dir_ + "/" + kApiSocket; }
  std::string log_fifo_path() const {
    return !log_fifo_.empty() ? log_fifo_ : dir_ + "/" + kLogFifo;
  }
  std::string metrics_fifo_path() const {
    return !metrics_fifo_.empty() ? metrics_fifo_ : dir_ + "/" + kMetricsFifo;
  }
  // LogFifoPath / MetricsFifoPath: the FIFOs to use instead of the VM dir's
  // ("" keeps the VM dir's). Call before prepare().
  void use_fifos(std::string log, std::string metrics) {
    log_fifo_ = std::move(log);
    metrics_fifo_ = std::move(metrics);
  }

  // What bind() and connect() get for the API socket: its absolute path when
  // that fits sun_path, else "./firecracker.sock" when our working directory
  // is the VM dir (the shim's is). INVALID_ARGUMENT when neither works.
  Status api_socket_address(std::string* out) const;
  // Removes a stale API socket and makes both FIFOs (mode 0600) unless they
  // exist. FAILED_PRECONDITION naming the path when something else is in the
  // way; on error nothing made here is left.
  Status prepare();
  // Removes the API socket (if a socket is there) and the FIFOs made here.
  void remove();

 private:
  Status make_fifo(const std::string& path, bool* made);

  std::string dir_;
  std::string log_fifo_;
  std::string metrics_fifo_;
  bool made_log_fifo_ = false;
  bool made_metrics_fifo_ = false;
};

}  // namespace ember::shim::firecracker
