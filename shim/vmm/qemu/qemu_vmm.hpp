#pragma once
// QemuVmm: the VM as a qemu-system-x86_64 child of the shim (microvm, KVM
// when usable, else TCG), driven over QMP. docs/qemu-backend.md has the
// command line, the QMP mapping and the files in the VM dir:
//   firecracker.sock  QMP (the VMM socket the shim reports as SocketPath)
//   agent.sock        the guest agent's virtio-serial port (for users)
//   console.sock      the serial console, interactive (emberctl vm console)
//   console.log(.1)   the guest console, bounded
//   guest-ready       the guest's ready line, once it was printed
// Its sockets are gone once it is done with the VM (stopped, exited, or a
// failed create); console.log(.1) and guest-ready stay as the VM's record
// for its tombstone, until emberd removes the VM dir.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"
#include "shim/metadata_store.hpp"
#include "shim/vmm/qemu/mmds_server.hpp"
#include "shim/vmm/vmm.hpp"
#include "shim/vmm/vmm_jail.hpp"
#include "shimproc/child_process.hpp"
#include "shimproc/launch_contract.hpp"

namespace ember::shim::qemu {

class QemuConsole;
class QemuOutput;
class QemuReporting;
class QmpClient;

class QemuVmm : public Vmm {
 public:
  static constexpr const char* kQmpSocketName = shimproc::kVmmSocketFile;
  static constexpr const char* kAgentSocketName = "agent.sock";
  static constexpr const char* kGuestReadyName = "guest-ready";
  static constexpr const char* kConsoleSocketName = "console.sock";

  QemuVmm(io::EventLoop& loop, const config::Config& config, std::string vm_id, std::string vm_dir);
  // Kills and reaps QEMU if it still runs and removes the backend's files.
  ~QemuVmm() override;

  // Answers once QEMU runs the VM (QMP handshake done, query-status
  // "running", balloon target and polling interval applied). The guest's
  // ready marker comes later: see guest-ready.
  void create(const VmSpec& spec, Done done) override;
  // QMP stop / cont, each confirmed by query-status.
  void pause(Done done) override;
  void resume(Done done) override;
  // system_powerdown once the guest can react to it: a paused VM is resumed
  // first, and a guest still booting is waited for until it is ready. Then
  // `quit` after 60% of the timeout, SIGKILL after 90%. OK only when the
  // guest shut itself down; INTERNAL "forcefully terminated VM <id>" when
  // quit or SIGKILL ended it. Completes once QEMU was reaped. A VM whose
  // boot failed (the watchdog killed QEMU) is stopped already: OK.
  void stop(std::chrono::seconds timeout, Done done) override;
  void update_balloon(int64_t amount_mib, Done done) override;
  void balloon_stats(StatsDone done) override;
  void update_balloon_stats_interval(int64_t seconds, Done done) override;
  // Keeps the guest's copy of the metadata (served by MMDS when an interface
  // allows it; kept either way, so a later MMDS start has it).
  bool metadata(MetadataOp op, const std::string& json, MetadataDone done) override;
  // Booting, then ready when the guest prints its marker, or boot-failed
  // when vm.boot_timeout_seconds passes first (QEMU is then killed, and the
  // shim keeps the VM's record: calls answer FAILED_PRECONDITION, StopVM OK).
  bool reports_guest() const override { return true; }

 private:
  using Json = nlohmann::json;
  enum class State { idle, starting, running, stopping, exited };
  using Step = std::pair<std::string, Json>;  // a QMP command and its arguments

  // Runs fn later on the loop unless this object is gone by then.
  void later(std::function<void()> fn);
  // Wraps a callback so that it does nothing once this object is gone.
  template <class F>
  auto guarded(F fn) {
    std::weak_ptr<char> alive = alive_;
    return [alive, fn = std::move(fn)](auto&&... args) {
      if (!alive.expired()) fn(std::forward<decltype(args)>(args)...);
    };
  }

  Status spawn(const VmSpec& spec);
  Status open_console(UniqueFd console_ours);
  Status start_mmds(const VmSpec& spec);
  std::string socket_path(const char* name) const;
  void run_steps(std::vector<Step> steps, Done done);
  // Runs a command, then query-status, and checks the status it leads to.
  void change_run_state(const char* command, const char* want, Done done);
  Status check_running() const;
  Status check_balloon() const;

  void on_started(const Status& s);
  void start_failed(const Status& why);
  void on_guest_ready(const std::string& line);
  void on_qmp_event(const std::string& event, const Json& data);
  void on_qmp_closed(const Status& why);
  // SIGKILLs QEMU if it has not exited a while after QMP ended.
  void arm_lost_timer();
  void on_process_exit();
  Status unrequested_exit_status() const;

  // The boot watchdog and the guest reports (qemu_vmm_boot.cpp).
  void report_guest(GuestReport::State state, std::string reason = {});
  void arm_boot_watchdog();
  void on_boot_timeout(uint32_t seconds);
  // The boot watchdog killed QEMU: true, and the VM ends without ending the shim.
  bool boot_failed() const { return !boot_failure_.empty(); }

  void on_stop_status(const Status& s, const Json& r);
  void powerdown();
  void send_quit();
  void kill_now();
  // Runs a QMP command; UNAVAILABLE (later) once QMP is gone.
  void execute(const std::string& command, Json args,
               std::function<void(Status, const Json&)> reply);

  // Closes every channel, removes every file; QEMU must be reaped already.
  void release();
  void cancel_timer(io::EventLoop::WatchId* id);

  io::EventLoop& loop_;
  const config::Config& config_;
  const std::string vm_id_;
  const std::string vm_dir_;

  State state_ = State::idle;
  uint32_t memory_mib_ = 0;
  bool has_balloon_ = false;
  int64_t balloon_target_mib_ = 0;  // as QEMU last accepted it
  std::chrono::steady_clock::time_point started_at_;
  bool guest_ready_ = false;
  bool ready_file_written_ = false;   // guest-ready exists and is ours to remove
  std::string shutdown_reason_;       // from QEMU's SHUTDOWN event, "" before it
  Status create_error_;               // why a start failed (set before the kill)
  Status qmp_lost_;                   // why QMP ended while the VM ran
  bool forced_ = false;               // stop used quit or SIGKILL
  bool powerdown_on_ready_ = false;   // stopping a booting guest: power it down once ready
  std::string boot_failure_;          // why the boot watchdog fired; "" while it has not
  std::string accel_, accel_reason_;  // as spawn() chose them
  Done create_done_;
  Done stop_done_;

  MetadataStore guest_metadata_;      // what MMDS serves; the shim's store validated it
  std::unique_ptr<MmdsServer> mmds_;  // only with AllowMMDS, while QEMU may run
  std::unique_ptr<VmmJail> jail_;     // JailerConfig: made before the spawn, undone after the reap
  std::unique_ptr<QemuReporting> reporting_;  // LogFifoPath / MetricsFifoPath
  io::BoundSocket qmp_socket_;                // the socket files; QEMU has the listening fds
  io::BoundSocket agent_socket_;
  shimproc::ChildProcess process_;
  std::unique_ptr<QemuOutput> output_;
  std::unique_ptr<QemuConsole> console_;
  std::unique_ptr<QmpClient> qmp_;
  io::EventLoop::WatchId exit_watch_ = 0;
  io::EventLoop::WatchId create_timer_ = 0;
  io::EventLoop::WatchId quit_timer_ = 0;
  io::EventLoop::WatchId kill_timer_ = 0;
  io::EventLoop::WatchId lost_timer_ = 0;  // QMP gone, QEMU still there
  io::EventLoop::WatchId boot_timer_ = 0;  // the boot watchdog
  std::shared_ptr<char> alive_;            // callbacks hold a weak_ptr to it
};

}  // namespace ember::shim::qemu
