#include "shim/vmm/qemu/qemu_vmm.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/errno_status.hpp"
#include "config/config.hpp"
#include "messages/stop_status.hpp"
#include "shim/vmm/balloon.hpp"
#include "shim/vmm/qemu/qemu_balloon.hpp"
#include "shim/vmm/qemu/qemu_command.hpp"
#include "shim/vmm/qemu/qemu_console.hpp"
#include "shim/vmm/qemu/qemu_output.hpp"
#include "shim/vmm/qemu/qemu_process.hpp"
#include "shim/vmm/qemu/qemu_reporting.hpp"
#include "shim/vmm/qemu/qmp_client.hpp"

namespace ember::shim::qemu {
namespace {

// How long QEMU may live on after its QMP connection ended by itself.
constexpr long kQmpLostGraceMs = 5000;
constexpr size_t kMaxSunPath = 107;

long ms_since(std::chrono::steady_clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
          .count());
}

// Replaces path with a file holding text (a temporary file renamed over it).
Status write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid()) return errno_status("create " + tmp, errno);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return errno_status("write " + tmp, err);
  }
  fd.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return errno_status("rename " + tmp, err);
  }
  return Status::Ok();
}

void log_command(const std::string& binary, const std::vector<std::string>& args) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  std::string line = binary;
  for (const auto& a : args)
    line += " " + a;
  spdlog::debug("qemu command: {}", line);
}

}  // namespace

QemuVmm::QemuVmm(io::EventLoop& loop, const config::Config& config, std::string vm_id,
                 std::string vm_dir)
    : loop_(loop),
      config_(config),
      vm_id_(std::move(vm_id)),
      vm_dir_(std::move(vm_dir)),
      alive_(std::make_shared<char>()) {}

QemuVmm::~QemuVmm() {
  for (auto* id :
       {&exit_watch_, &create_timer_, &quit_timer_, &kill_timer_, &lost_timer_, &boot_timer_}) {
    cancel_timer(id);
  }
  qmp_.reset();                         // pending replies are dropped: their callers are going too
  process_ = shimproc::ChildProcess();  // kills and reaps a QEMU that still runs
  release();
}

void QemuVmm::later(std::function<void()> fn) {
  loop_.post(guarded(std::move(fn)));
}

void QemuVmm::cancel_timer(io::EventLoop::WatchId* id) {
  if (*id != 0) loop_.cancel_watch(*id);
  *id = 0;
}

std::string QemuVmm::socket_path(const char* name) const {
  // The shim's working directory is the VM dir: a relative name fits sun_path.
  const std::string path = vm_dir_ + "/" + name;
  return path.size() <= kMaxSunPath ? path : std::string("./") + name;
}

// Our end of the serial console: console.log, the ready marker, console.sock.
Status QemuVmm::open_console(UniqueFd console_ours) {
  Status s = QemuConsole::open(loop_, vm_dir_, std::move(console_ours), QemuConsole::kDefaultCap,
                               guarded([this](const std::string& line) { on_guest_ready(line); }),
                               &console_);
  if (!s.ok()) return s;
  io::BoundSocket console_listener;
  s = io::bind_listener(socket_path(kConsoleSocketName), &console_listener, 4);
  if (!s.ok()) return s;
  console_->serve_users(loop_, std::move(console_listener));
  return Status::Ok();
}

Status QemuVmm::spawn(const VmSpec& spec) {
  std::string binary;
  Status s = resolve_qemu_binary(config_.vmm.qemu_binary, &binary);
  const QemuHost host = probe_qemu_host();
  std::vector<std::string> args;
  if (s.ok()) s = qemu_arguments(spec, host, &args);
  if (s.ok()) s = io::bind_listener(socket_path(kQmpSocketName), &qmp_socket_);
  if (s.ok()) s = io::bind_listener(socket_path(kAgentSocketName), &agent_socket_);
  // Connected before QEMU even starts: the connection waits in the backlog
  // until QEMU accepts it, and the greeting says QEMU is up. No polling for a
  // socket file, no race with a QEMU that dies early.
  UniqueFd qmp_fd;
  if (s.ok()) s = io::connect_unix(socket_path(kQmpSocketName), &qmp_fd, /*nonblocking=*/true);
  if (!s.ok()) return s;
  // The listening fds go to QEMU only; the objects keep the files to unlink.
  UniqueFd qmp_listener = qmp_socket_.take_fd();
  UniqueFd agent_listener = agent_socket_.take_fd();

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return errno_status("console socketpair", errno);
  }
  UniqueFd console_ours(pair[0]);
  UniqueFd console_qemu(pair[1]);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return errno_status("output pipe", errno);
  UniqueFd out_read(out[0]);
  UniqueFd out_write(out[1]);
  s = open_console(std::move(console_ours));
  if (!s.ok()) return s;

  QemuLaunch launch;
  launch.binary = binary;
  launch.args = args;
  launch.cwd = vm_dir_;
  launch.output_fd = out_write.get();
  launch.fds = {qmp_listener.get(), agent_listener.get(), console_qemu.get()};
  launch.netns = spec.netns;
  launch.jail = jail_.get();
  s = spawn_qemu(launch, &process_);
  if (!s.ok()) return s;
  output_ = std::make_unique<QemuOutput>(loop_, std::move(out_read), [this](const std::string& l) {
    if (reporting_) reporting_->log(l);
  });
  accel_ = host.kvm ? "kvm" : "tcg";
  accel_reason_ = host.tcg_reason;
  const std::string started =
      "started " + binary + " (pid " + std::to_string(process_.pid()) + ", accel " + accel_ + ")";
  spdlog::info("{}", started);
  reporting_->log(started);
  log_command(binary, args);

  qmp_ = std::make_unique<QmpClient>(
      loop_, std::move(qmp_fd),
      guarded([this](const std::string& event, const Json& data) { on_qmp_event(event, data); }),
      guarded([this](const Status& why) { on_qmp_closed(why); }));
  return Status::Ok();
}

Status QemuVmm::start_mmds(const VmSpec& spec) {
  if (!wants_mmds(spec)) return Status::Ok();
  Status s = MmdsServer::start(socket_path(kMmdsSocketName), &mmds_);
  if (s.ok()) mmds_->set_document(guest_metadata_.get());
  // socat, QEMU's child, connects to it: as the jail's uid, it must be its.
  if (s.ok()) s = jail_->hand_over(socket_path(kMmdsSocketName));
  return s;
}

void QemuVmm::create(const VmSpec& spec, Done done) {
  if (state_ != State::idle) {
    later([this, done] {
      done(Status::FailedPrecondition("VM " + vm_id_ + " was created already"));
    });
    return;
  }
  memory_mib_ = spec.memory_mib;
  has_balloon_ = spec.balloon.has_value();
  balloon_target_mib_ = has_balloon_ ? spec.balloon->amount_mib : 0;
  started_at_ = std::chrono::steady_clock::now();
  Status s = VmmJail::open(spec.jail, vm_id_, vm_dir_, &jail_);
  if (s.ok()) s = start_mmds(spec);
  if (s.ok()) s = QemuReporting::open(loop_, spec, &reporting_);
  if (s.ok()) s = spawn(spec);
  if (!s.ok()) {
    spdlog::warn("cannot start qemu: {}", s.ToString());
    qmp_.reset();
    process_ = shimproc::ChildProcess();  // kills and reaps it, if it was started
    release();
    state_ = State::exited;
    later([done, s] { done(s); });
    return;
  }
  state_ = State::starting;
  create_done_ = std::move(done);
  exit_watch_ = loop_.watch_readable(process_.pidfd(), guarded([this] {
                                       exit_watch_ = 0;
                                       on_process_exit();
                                     }));
  const long seconds = static_cast<long>(spec.create_timeout.count());
  create_timer_ = loop_.after(
      seconds * 1000, guarded([this, seconds] {
        create_timer_ = 0;
        start_failed(Status::DeadlineExceeded("VM " + vm_id_ + " did not start within " +
                                              std::to_string(seconds) + " s"));
      }));
  std::vector<Step> balloon_steps;
  if (spec.balloon && spec.balloon->amount_mib > 0) {
    balloon_steps.push_back(
        {"balloon", {{"value", qemu_balloon_value(memory_mib_, spec.balloon->amount_mib)}}});
  }
  if (spec.balloon && spec.balloon->stats_polling_interval_s > 0) {
    balloon_steps.push_back({"qom-set",
                             {{"path", kQemuBalloonPath},
                              {"property", "guest-stats-polling-interval"},
                              {"value", spec.balloon->stats_polling_interval_s}}});
  }
  qmp_->execute(
      "query-status", Json(), guarded([this, balloon_steps](Status s, const Json& r) {
        if (s.ok() && qmp_run_status(r) != "running") {
          s = Status::Internal("QEMU is " + qmp_run_status(r) + " after start, not running");
        }
        if (!s.ok()) {
          on_started(s);
          return;
        }
        run_steps(balloon_steps, guarded([this](Status s) { on_started(s); }));
      }));
}

void QemuVmm::on_started(const Status& s) {
  if (state_ != State::starting) return;
  if (!s.ok()) {
    start_failed(s);
    return;
  }
  cancel_timer(&create_timer_);
  state_ = State::running;
  spdlog::info("qemu runs the VM {} ms after its start", ms_since(started_at_));
  reporting_->running(process_.pid());
  report_guest(guest_ready_ ? GuestReport::State::ready : GuestReport::State::booting);
  arm_boot_watchdog();
  Done done = std::move(create_done_);
  done(Status::Ok());
}

void QemuVmm::start_failed(const Status& why) {
  if (state_ != State::starting || !create_error_.ok()) return;
  if (qmp_ && qmp_->closed()) {
    // QEMU closed QMP: it is exiting, and its exit status and last words
    // say better why than the lost connection.
    if (qmp_lost_.ok()) qmp_lost_ = why;
    arm_lost_timer();
    return;
  }
  create_error_ = why;
  cancel_timer(&create_timer_);
  spdlog::warn("qemu start failed: {}; killing it", why.ToString());
  process_.signal(SIGKILL);  // its exit completes the create
}

void QemuVmm::arm_lost_timer() {
  if (lost_timer_ != 0) return;
  // QEMU closes QMP when it exits; one that keeps running without it is stuck.
  lost_timer_ = loop_.after(kQmpLostGraceMs, guarded([this] {
                              lost_timer_ = 0;
                              spdlog::warn("qemu still runs without QMP: killing it");
                              if (state_ == State::starting && create_error_.ok()) {
                                create_error_ = qmp_lost_;
                              }
                              if (state_ == State::stopping) forced_ = true;
                              process_.signal(SIGKILL);  // an error means it is gone already
                            }));
}

void QemuVmm::on_guest_ready(const std::string& line) {
  if (state_ == State::idle || state_ == State::exited || boot_failed()) return;
  guest_ready_ = true;
  cancel_timer(&boot_timer_);
  if (state_ != State::starting) report_guest(GuestReport::State::ready);
  if (state_ == State::stopping && std::exchange(powerdown_on_ready_, false)) powerdown();
  spdlog::info("guest ready after {} ms: {}", ms_since(started_at_), line);
  Status s = write_file_atomically(vm_dir_ + "/" + kGuestReadyName, line + "\n");
  if (!s.ok()) spdlog::warn("cannot write {}: {}", kGuestReadyName, s.ToString());
}

void QemuVmm::on_qmp_event(const std::string& event, const Json& data) {
  if (event == "SHUTDOWN") {
    shutdown_reason_ = data.value("reason", std::string("unknown"));
    spdlog::info("qemu is shutting down: {}", shutdown_reason_);
  } else {
    spdlog::debug("QMP event {} {}", event, data.dump());
  }
}

void QemuVmm::on_qmp_closed(const Status& why) {
  if (state_ == State::idle || state_ == State::exited) return;
  qmp_lost_ = why;
  arm_lost_timer();
}

Status QemuVmm::unrequested_exit_status() const {
  if (process_.exit().code == 0 && shutdown_reason_ == "guest-shutdown") return Status::Ok();
  std::string why = "qemu " + process_.exit().describe();
  if (!shutdown_reason_.empty()) {
    why += " after shutdown reason " + shutdown_reason_;
  } else if (!qmp_lost_.ok()) {
    why += " (" + qmp_lost_.message() + ")";
  }
  const std::string tail = output_ ? output_->tail() : std::string();
  if (!tail.empty()) why += ": " + tail;
  return Status::Internal(why);
}

void QemuVmm::on_process_exit() {
  if (!process_.try_reap()) {  // not yet: watch again
    exit_watch_ = loop_.watch_readable(process_.pidfd(), guarded([this] {
                                         exit_watch_ = 0;
                                         on_process_exit();
                                       }));
    return;
  }
  for (auto* id : {&create_timer_, &quit_timer_, &kill_timer_, &lost_timer_, &boot_timer_})
    cancel_timer(id);
  if (output_) output_->drain();
  if (console_) console_->drain();
  const std::string ended = "qemu " + process_.exit().describe() +
                            (shutdown_reason_.empty() ? "" : " (" + shutdown_reason_ + ")");
  spdlog::info("{}", ended);
  if (reporting_) {
    reporting_->log(ended);
    reporting_->ended();
  }
  const State was = state_;
  state_ = State::exited;
  if (was == State::starting) {
    Status why = create_error_;
    if (why.ok()) {
      const std::string tail = output_ ? output_->tail() : std::string();
      why = Status::Internal("qemu " + process_.exit().describe() + " before the VM ran" +
                             (tail.empty() ? "" : ": " + tail));
    }
    release();
    Done done = std::move(create_done_);
    done(why);
  } else if (was == State::stopping) {
    release();
    Done done = std::move(stop_done_);
    done(forced_ ? msg::forced_stop_status(vm_id_) : Status::Ok());
  } else if (was == State::running && boot_failed()) {
    // The VM's record stays with the shim until StopVM, and its console log
    // (what the guest printed, if anything) in the VM directory, which emberd
    // removes with the shim.
    console_.reset();
    release();
  } else if (was == State::running) {
    const Status why = unrequested_exit_status();
    release();
    notify_exit(why);
  }
}

void QemuVmm::release() {
  if (qmp_) {
    std::unique_ptr<QmpClient> qmp = std::move(qmp_);
    qmp->close(Status::Unavailable("VM " + vm_id_ + " has exited"));  // pending calls fail
  }
  output_.reset();
  // The console log and the ready line stay: they are the VM's record, which
  // emberd keeps as its tombstone before it removes the VM dir.
  console_.reset();
  qmp_socket_.reset();
  agent_socket_.reset();
  mmds_.reset();
  reporting_.reset();
  jail_.reset();  // QEMU was reaped: its cgroups are empty
  // guest-ready stays (with console.log) for the VM's tombstone.
  ready_file_written_ = false;
}
}  // namespace ember::shim::qemu
