#include "shim/vmm/firecracker/firecracker_vmm.hpp"

#include <fcntl.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/line_reader.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/stop_status.hpp"
#include "shim/metadata_store.hpp"
#include "shim/vmm/firecracker/firecracker_api_client.hpp"
#include "shim/vmm/firecracker/firecracker_preflight.hpp"
#include "shim/vmm/firecracker/firecracker_process.hpp"
#include "shim/vmm/firecracker/firecracker_socket_wait.hpp"
#include "shim/vmm/firecracker/firecracker_vm_files.hpp"

namespace ember::shim::firecracker {
namespace {

// Firecracker's defaults (51200 bytes for both) are below what the shim
// accepts: a ttrpc request body may be 4 MiB, a metadata document 1 MiB.
const std::string kApiPayloadLimit = std::to_string(ttrpc::kMaxBody);
const std::string kMmdsSizeLimit = std::to_string(MetadataStore::kMaxBytes);

}  // namespace

FirecrackerVmm::FirecrackerVmm(io::EventLoop& loop, FirecrackerOptions options)
    : loop_(loop),
      opt_(std::move(options)),
      files_(std::make_unique<FirecrackerVmFiles>(opt_.vm_dir)),
      process_(std::make_unique<shimproc::ChildProcess>()),
      socket_wait_(std::make_unique<SocketWait>(loop)),
      alive_(std::make_shared<char>()) {}

FirecrackerVmm::~FirecrackerVmm() {
  cancel_timers();
  if (exit_watch_ != 0) loop_.cancel_watch(exit_watch_);
  socket_wait_.reset();
  log_reader_.reset();
  // The VMM goes first: a request still in flight then fails at once, so
  // the client's destructor does not wait for it.
  process_.reset();
  jail_.reset();
  api_.reset();
  files_.reset();
}

pid_t FirecrackerVmm::vmm_pid() const {
  return process_ && process_->valid() && !process_->reaped() ? process_->pid() : -1;
}

void FirecrackerVmm::later(std::function<void()> fn) {
  std::weak_ptr<char> alive = alive_;
  loop_.post([alive, fn = std::move(fn)] {
    if (alive.lock()) fn();
  });
}

Status FirecrackerVmm::check_running() const {
  const std::string vm = "VM " + opt_.vm_id;
  switch (state_) {
    case State::running:
      return Status::Ok();
    case State::idle:
      return Status::FailedPrecondition(vm + " is not created");
    case State::starting:
      return Status::FailedPrecondition(vm + " is still starting");
    case State::stopping:
      return Status::FailedPrecondition(vm + " is stopping");
    case State::exited:
      break;
  }
  return Status::FailedPrecondition(vm + " has exited");
}

void FirecrackerVmm::call_running(ApiCall call, std::function<void(Status, std::string)> done) {
  Status s = check_running();
  if (!s.ok()) {
    later([s, done = std::move(done)] { done(s, ""); });
    return;
  }
  api_->call(std::move(call), std::move(done));
}

std::vector<ApiCall> FirecrackerVmm::boot_calls(const VmSpec& spec) const {
  std::vector<ApiCall> calls = {
      put_logger(files_->log_fifo_path(), opt_.log_level),
      put_metrics(files_->metrics_fifo_path()),
      put_machine_config(spec),
      put_boot_source(spec),
  };
  if (!spec.root_drive.empty()) calls.push_back(put_root_drive(spec));
  for (std::size_t i = 0; i < spec.drive_mounts.size(); ++i) {
    calls.push_back(put_drive_mount(spec.drive_mounts[i], i));
  }
  bool mmds_allowed = false;
  for (std::size_t i = 0; i < spec.network_interfaces.size(); ++i) {
    calls.push_back(put_network_interface(spec.network_interfaces[i], i));
    mmds_allowed = mmds_allowed || spec.network_interfaces[i].allow_mmds;
  }
  if (spec.balloon) calls.push_back(put_balloon(*spec.balloon));
  if (mmds_allowed) calls.push_back(put_mmds_config(spec.network_interfaces));
  // An initialized data store: Firecracker refuses PATCH /mmds before a PUT.
  calls.push_back(put_mmds("{}"));
  calls.push_back(instance_start());
  return calls;
}

void FirecrackerVmm::create(const VmSpec& spec, Done done) {
  Status s;
  if (state_ != State::idle) {
    s = Status::AlreadyExists("VM " + opt_.vm_id + " already exists");
  } else if (spec.kernel_image.empty()) {
    s = Status::InvalidArgument(
        "firecracker needs a kernel image: set KernelImagePath or vm.kernel_image");
  }
  std::string address;
  if (s.ok()) s = files_->api_socket_address(&address);
  if (s.ok()) s = prepare_files(spec);
  if (s.ok()) {
    s = socket_wait_->start(opt_.vm_dir, FirecrackerVmFiles::kApiSocket, address,
                            [this] { on_api_ready(); });
  }
  if (s.ok()) {
    FirecrackerCommand cmd;
    cmd.binary = opt_.binary;
    cmd.args = {"--api-sock",        address,       "--http-api-max-payload-size", kApiPayloadLimit,
                "--mmds-size-limit", kMmdsSizeLimit};
    cmd.cwd = opt_.vm_dir;
    cmd.netns = spec.netns;
    cmd.jail = jail_.get();
    s = spawn_firecracker(cmd, process_.get());
  }
  if (!s.ok()) {
    socket_wait_->cancel();
    if (state_ == State::idle) {
      files_->remove();
      jail_.reset();
    }
    later([s, done = std::move(done)] { done(s); });
    return;
  }
  state_ = State::starting;
  create_done_ = std::move(done);
  boot_ = boot_calls(spec);
  api_ = std::make_unique<FirecrackerApiClient>(loop_, address, opt_.api_timeout);
  exit_watch_ = loop_.watch_readable(process_->pidfd(), [this] {
    exit_watch_ = 0;
    on_process_exit();
  });
  const auto seconds = spec.create_timeout.count();
  create_deadline_ = loop_.after(seconds * 1000, [this, seconds] {
    create_deadline_ = 0;
    fail_create(Status::DeadlineExceeded("firecracker did not start VM " + opt_.vm_id + " within " +
                                         std::to_string(seconds) + " s"));
  });
  // A LogFifoPath is its owner's to read: the shim forwards only its own.
  if (spec.log_fifo.empty()) start_log_forwarding();
  spdlog::info("started {} (pid {}), API socket {}", opt_.binary, process_->pid(), address);
}

Status FirecrackerVmm::prepare_files(const VmSpec& spec) {
  files_->use_fifos(spec.log_fifo, spec.metrics_fifo);
  Status s = VmmJail::open(spec.jail, opt_.vm_id, opt_.vm_dir, &jail_);
  if (s.ok()) s = files_->prepare();
  // Firecracker opens the FIFOs itself: as the jail's uid, they must be its.
  if (s.ok()) s = jail_->hand_over(files_->log_fifo_path());
  if (s.ok()) s = jail_->hand_over(files_->metrics_fifo_path());
  if (!s.ok()) {
    files_->remove();
    jail_.reset();
  }
  return s;
}

void FirecrackerVmm::start_log_forwarding() {
  // Read-write: the FIFO never reports EOF, whoever writes or stops writing.
  UniqueFd fd(::open(files_->log_fifo_path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    spdlog::warn("cannot read {}: {}", files_->log_fifo_path(), std::strerror(errno));
    return;
  }
  log_reader_ = std::make_unique<io::LineReader>(loop_, std::move(fd), [](std::string_view line) {
    if (!line.empty()) spdlog::info("firecracker: {}", line);
  });
}

void FirecrackerVmm::on_api_ready() {
  if (state_ == State::starting) run_boot_call(0);
}

void FirecrackerVmm::run_boot_call(std::size_t i) {
  if (i == boot_.size()) {
    confirm_running();
    return;
  }
  api_->call(boot_[i], [this, i](Status s, const std::string&) {
    if (state_ != State::starting) return;
    if (!s.ok()) {
      fail_create(s);
      return;
    }
    run_boot_call(i + 1);
  });
}

void FirecrackerVmm::confirm_running() {
  api_->call(get_instance_info(), [this](Status s, const std::string& body) {
    if (state_ != State::starting) return;
    std::string vm_state;
    if (s.ok()) s = parse_instance_state(body, &vm_state);
    if (s.ok() && vm_state != "Running") {
      s = Status::Internal("firecracker reports state \"" + vm_state + "\" after InstanceStart");
    }
    if (!s.ok()) {
      fail_create(s);
      return;
    }
    if (create_deadline_ != 0) loop_.cancel_watch(create_deadline_);
    create_deadline_ = 0;
    state_ = State::running;
    auto done = std::move(create_done_);
    done(Status::Ok());
  });
}

void FirecrackerVmm::fail_create(Status why) {
  if (state_ != State::starting || !create_failure_.ok()) return;
  spdlog::warn("VM {} failed to start: {}", opt_.vm_id, why.ToString());
  create_failure_ = std::move(why);
  cancel_timers();
  socket_wait_->cancel();
  process_->signal(SIGKILL);  // on_process_exit completes the create
}

void FirecrackerVmm::pause(Done done) {
  call_running(patch_vm(true), [this, done = std::move(done)](Status s, const std::string&) {
    if (s.ok()) paused_ = true;
    done(s);
  });
}

void FirecrackerVmm::resume(Done done) {
  call_running(patch_vm(false), [this, done = std::move(done)](Status s, const std::string&) {
    if (s.ok()) paused_ = false;
    done(s);
  });
}

void FirecrackerVmm::stop(std::chrono::seconds timeout, Done done) {
  Status s = check_running();
  if (!s.ok()) {
    later([s, done = std::move(done)] { done(s); });
    return;
  }
  state_ = State::stopping;
  stop_done_ = std::move(done);
  if (paused_ || timeout.count() <= 0) {
    force_stop();
    return;
  }
  stop_deadline_ = loop_.after(timeout.count() * 1000, [this] {
    stop_deadline_ = 0;
    force_stop();
  });
  api_->call(send_ctrl_alt_del(), [this](Status s, const std::string&) {
    if (s.ok() || state_ != State::stopping) return;
    spdlog::warn("SendCtrlAltDel failed: {}", s.ToString());
    force_stop();
  });
}

void FirecrackerVmm::force_stop() {
  if (state_ != State::stopping || forced_) return;
  forced_ = true;
  cancel_timers();
  spdlog::warn("killing firecracker (pid {}): VM {} did not shut down{}", process_->pid(),
               opt_.vm_id, paused_ ? " (paused)" : "");
  process_->signal(SIGKILL);  // on_process_exit completes the stop
}

void FirecrackerVmm::update_balloon(int64_t amount_mib, Done done) {
  call_running(patch_balloon(amount_mib),
               [done = std::move(done)](Status s, const std::string&) { done(s); });
}

void FirecrackerVmm::balloon_stats(StatsDone done) {
  call_running(get_balloon_statistics(),
               [done = std::move(done)](Status s, const std::string& body) {
                 BalloonStats stats;
                 if (s.ok()) s = parse_balloon_stats(body, &stats);
                 done(s, stats);
               });
}

void FirecrackerVmm::update_balloon_stats_interval(int64_t seconds, Done done) {
  call_running(patch_balloon_statistics(seconds),
               [done = std::move(done)](Status s, const std::string&) { done(s); });
}

bool FirecrackerVmm::metadata(MetadataOp op, const std::string& json, MetadataDone done) {
  switch (op) {
    case MetadataOp::set:
      call_running(put_mmds(json), std::move(done));
      break;
    case MetadataOp::update:
      call_running(patch_mmds(json), std::move(done));
      break;
    case MetadataOp::get:
      call_running(get_mmds(), [done = std::move(done)](Status s, const std::string& body) {
        std::string text;
        if (s.ok()) s = compact_json_object(body, &text);
        done(s, text);
      });
      break;
  }
  return true;
}

void FirecrackerVmm::cancel_timers() {
  if (create_deadline_ != 0) loop_.cancel_watch(create_deadline_);
  if (stop_deadline_ != 0) loop_.cancel_watch(stop_deadline_);
  create_deadline_ = stop_deadline_ = 0;
}

void FirecrackerVmm::on_process_exit() {
  process_->try_reap();
  const std::string how = process_->exit().describe();
  cancel_timers();
  socket_wait_->cancel();
  log_reader_.reset();
  files_->remove();
  jail_.reset();  // the VMM was reaped: its cgroups are empty
  const State was = state_;
  state_ = State::exited;
  spdlog::info("firecracker (pid {}) ended: {}", process_->pid(), how);
  if (was == State::starting) {
    Status s =
        !create_failure_.ok()
            ? create_failure_
            : Status::Internal("firecracker " + how + " before VM " + opt_.vm_id + " was running");
    auto done = std::move(create_done_);
    done(s);
  } else if (was == State::stopping) {
    Status s = forced_ ? msg::forced_stop_status(opt_.vm_id) : Status::Ok();
    auto done = std::move(stop_done_);
    done(s);
  } else if (was == State::running) {
    notify_exit(process_->exit().clean()
                    ? Status::Ok()
                    : Status::Internal("firecracker " + how + " unexpectedly"));
  }
}

Status make_firecracker_vmm(const VmmContext& ctx, std::unique_ptr<Vmm>* out) {
  if (ctx.config.vmm.backend != config::Backend::firecracker) {
    return Status::Unimplemented(std::string("vmm backend ") +
                                 config::to_string(ctx.config.vmm.backend) +
                                 " is not served by ember-shim-firecracker");
  }
  Status s = check_kvm(kvm_device_path());
  std::string binary;
  if (s.ok()) s = resolve_binary(ctx.config.vmm.firecracker_binary, &binary);
  if (!s.ok()) return s;
  FirecrackerOptions options;
  options.binary = binary;
  options.vm_id = ctx.vm_id;
  options.vm_dir = ctx.vm_dir;
  options.log_level = logger_level(ctx.config.log.level);
  *out = std::make_unique<FirecrackerVmm>(ctx.loop, std::move(options));
  return Status::Ok();
}

}  // namespace ember::shim::firecracker
