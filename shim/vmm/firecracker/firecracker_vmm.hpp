#pragma once
// FirecrackerVmm: a VM run by a `firecracker` process, driven through its
// REST API on <VM dir>/firecracker.sock (see docs/firecracker-backend.md).
//
// create: makes the log and metrics FIFOs, starts `firecracker --api-sock`,
// waits for the socket, then PUTs logger, metrics, machine config, boot
// source, root drive, drive mounts, balloon and an empty MMDS, starts the instance and
// confirms it runs. Any failure kills the process and removes what was made.
// stop: SendCtrlAltDel, then SIGKILL when the VMM has not exited within the
// timeout (at once when paused: a paused guest cannot react); completes once
// the process was reaped. Runs on the loop thread only.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/event_loop.hpp"
#include "shim/vmm/firecracker/firecracker_api.hpp"
#include "shim/vmm/vmm.hpp"
#include "shim/vmm/vmm_jail.hpp"

namespace ember::io {
class LineReader;
}
namespace ember::shimproc {
class ChildProcess;
}

namespace ember::shim::firecracker {

class FirecrackerApiClient;
class FirecrackerVmFiles;
class SocketWait;

struct FirecrackerOptions {
  std::string binary;  // absolute path of firecracker (or a stand-in)
  std::string vm_id;
  std::string vm_dir;              // absolute
  std::string log_level = "Info";  // Firecracker's logger level
  std::chrono::milliseconds api_timeout{10000};
};

class FirecrackerVmm : public Vmm {
 public:
  FirecrackerVmm(io::EventLoop& loop, FirecrackerOptions options);
  // Kills and reaps a running VMM and removes its files.
  ~FirecrackerVmm() override;

  void create(const VmSpec& spec, Done done) override;
  void pause(Done done) override;
  void resume(Done done) override;
  void stop(std::chrono::seconds timeout, Done done) override;
  void update_balloon(int64_t amount_mib, Done done) override;
  void balloon_stats(StatsDone done) override;
  void update_balloon_stats_interval(int64_t seconds, Done done) override;
  // MMDS: set = PUT /mmds, update = PATCH /mmds, get = GET /mmds.
  bool metadata(MetadataOp op, const std::string& json, MetadataDone done) override;
  bool makes_default_fifos() const override { return true; }

  // The process id while it runs (tests), else -1.
  pid_t vmm_pid() const;

 private:
  enum class State { idle, starting, running, stopping, exited };

  void later(std::function<void()> fn);
  Status check_running() const;
  // Runs a call now, or completes done with why the VM cannot take one.
  void call_running(ApiCall call, std::function<void(Status, std::string)> done);
  std::vector<ApiCall> boot_calls(const VmSpec& spec) const;
  // Prepares the VM dir's files, the FIFOs and the jail.
  Status prepare_files(const VmSpec& spec);
  void start_log_forwarding();
  void on_api_ready();
  void run_boot_call(std::size_t i);
  void confirm_running();
  void fail_create(Status why);
  void force_stop();
  void on_process_exit();
  void cancel_timers();

  io::EventLoop& loop_;
  const FirecrackerOptions opt_;
  State state_ = State::idle;
  bool paused_ = false;
  bool forced_ = false;        // stop had to SIGKILL
  Status create_failure_;      // why a failing create killed the process
  std::vector<ApiCall> boot_;  // the create sequence, run in order
  Done create_done_;           // set while starting
  Done stop_done_;             // set while stopping
  io::EventLoop::WatchId exit_watch_ = 0;
  io::EventLoop::WatchId create_deadline_ = 0;
  io::EventLoop::WatchId stop_deadline_ = 0;
  std::unique_ptr<VmmJail> jail_;  // JailerConfig: made before the spawn, undone after the reap
  std::unique_ptr<FirecrackerVmFiles> files_;
  std::unique_ptr<shimproc::ChildProcess> process_;
  std::unique_ptr<SocketWait> socket_wait_;
  std::unique_ptr<FirecrackerApiClient> api_;
  std::unique_ptr<io::LineReader> log_reader_;  // Firecracker's log FIFO into ours
  std::shared_ptr<char> alive_;                 // posted completions hold a weak_ptr
};

// The VmmFactory of ember-shim-firecracker (UNIMPLEMENTED for any other
// config.vmm.backend): checks /dev/kvm
// (FAILED_PRECONDITION, see firecracker_preflight.hpp for the test override)
// and the binary (NOT_FOUND / PERMISSION_DENIED), then makes the backend.
Status make_firecracker_vmm(const VmmContext& ctx, std::unique_ptr<Vmm>* out);

}  // namespace ember::shim::firecracker
