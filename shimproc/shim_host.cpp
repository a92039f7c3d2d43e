#include "shimproc/shim_host.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <mutex>

#include "base/spare_fds.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/line_reader.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "messages/ember_inventory.hpp"
#include "messages/fccontrol_methods.hpp"
#include "messages/vm_inventory_wire.hpp"
#include "metrics/ember_metrics.hpp"
#include "shimproc/launch_workers.hpp"
#include "shimproc/shim_address.hpp"
#include "shimproc/shim_launch.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/tombstone_record.hpp"
#include "shimproc/vm_creation.hpp"
#include "shimproc/vm_dir.hpp"

namespace ember::shimproc {
namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The shim process, shared with its exit watch on the I/O thread, which reaps
// it. The mutex is held only around one call on the process, never a wait.
struct ShimCell {
  std::mutex mu;
  ShimProcess proc;
};

// What the shim printed: forwarded to the log, and its start-failure line
// (shimproc/launch_contract.hpp) kept for the exit. Loop thread only.
struct ShimOutput {
  std::shared_ptr<io::LineReader> reader;
  Status start_failure;
};

// What a launch made on a worker thread, owned here until the host takes it.
// Dropped instead (the host is gone or detached, the loop stopped), its
// owners' destructors kill and reap the shim and remove the sockets and the
// directory: a shim that never got its CreateVM does not outlive its launch.
struct Launched {
  Status status;
  VmDir dir;
  io::BoundSocket shim_socket;
  io::BoundSocket fccontrol_socket;
  ShimProcess proc;  // destroyed first: killed before its files go
  bool spawned = false;
};

// The VM directory, both listening sockets and the address file.
Status make_files(const config::Config& cfg, const msg::VmKey& key, Launched* l, UniqueFd* shim_fd,
                  UniqueFd* fccontrol_fd) {
  Status s = VmDir::create(cfg.shim_base_dir, key.ns, key.id, &l->dir);
  if (!s.ok()) return s;
  s = mark_creating(l->dir.path());  // before anything can run in it
  if (!s.ok()) return s;
  auto shim_path = shim_socket_path(cfg.state_dir, cfg.containerd_address, key.ns, key.id);
  s = io::bind_listener(shim_path, &l->shim_socket);
  if (!s.ok()) return s;
  s = io::bind_listener(fccontrol_socket_path(shim_path), &l->fccontrol_socket);
  if (!s.ok()) return s;
  s = l->dir.write_address(unix_address(shim_path));
  if (!s.ok()) return s;
  *shim_fd = l->shim_socket.take_fd();
  *fccontrol_fd = l->fccontrol_socket.take_fd();
  return Status::Ok();
}

// The blocking part of a launch, on a worker thread.
std::shared_ptr<Launched> make_files_and_spawn(const config::Config& cfg, const msg::VmKey& key) {
  auto l = std::make_shared<Launched>();
  UniqueFd shim_fd, fccontrol_fd;
  l->status = make_files(cfg, key, l.get(), &shim_fd, &fccontrol_fd);
  if (!l->status.ok()) return l;
  l->status = ShimProcess::spawn(make_shim_launch(cfg, key.ns, key.id, l->dir.path(),
                                                  std::move(shim_fd), std::move(fccontrol_fd)),
                                 &l->proc);
  l->spawned = l->status.ok();
  return l;
}

class ShimHost final : public msg::VmEffects {
 public:
  ShimHost(io::EventLoop& loop, LaunchWorkers& workers, TombstoneStore& tombstones,
           const config::Config& cfg, msg::VmKey key, std::shared_ptr<msg::VmEvents> events,
           metrics::Metrics* metrics)
      : loop_(loop),
        workers_(workers),
        tombstones_(tombstones),
        cfg_(cfg),
        key_(std::move(key)),
        events_(std::move(events)),
        metrics_(metrics) {}
  ~ShimHost() override { close_connections(); }

  void launch() override;
  void adopt(const msg::ShimRecord& rec) override;
  void call_shim(uint64_t call_id, const msg::VmCall& call) override;
  void kill_shim(const std::string& why) override;
  void start_timer(std::chrono::milliseconds after, uint64_t token) override;
  void keep_tombstone(const msg::VmEnd& end) override;
  void remove_all() override;
  void detach() override;
  msg::SteadyTime now() const override { return std::chrono::steady_clock::now(); }

 private:
  void take_launched(Launched l);
  void own_shim(ShimProcess proc);
  void start_with(Status s);
  void follow_status();
  void close_connections();
  std::string name() const { return key_.ns + "/" + key_.id; }

  io::EventLoop& loop_;
  LaunchWorkers& workers_;
  TombstoneStore& tombstones_;
  const config::Config& cfg_;
  msg::VmKey key_;
  int64_t created_ms_ = 0;  // Unix ms of the launch; 0 for an adopted VM
  // A launch's result finds the host through this; reset on detach.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  std::shared_ptr<msg::VmEvents> events_;
  metrics::Metrics* metrics_;  // null: not counted
  // The watchdog's reason once the shim reported the guest boot-failed:
  // written by the status stream, read by keep_tombstone.
  struct BootFailure {
    std::mutex mu;
    std::string reason;
  };
  std::shared_ptr<BootFailure> boot_failure_ = std::make_shared<BootFailure>();
  msg::SteadyTime launched_at_{};  // launch() only: the spawn time's start
  // Owned resources, released in reverse order by their destructors.
  VmDir dir_;
  io::BoundSocket shim_socket_;            // file only: the fd went to the shim
  io::BoundSocket fccontrol_socket_;       // file only: the fd went to the shim
  std::shared_ptr<ShimCell> shim_;         // null until spawned or adopted
  io::EventLoop::WatchId exit_watch_ = 0;  // the shim's exit watch on its pidfd
  int32_t pid_ = 0;
  std::shared_ptr<ttrpc::Client> client_;  // persistent, multiplexed
  std::shared_ptr<ShimOutput> output_;     // shim stdout/stderr -> our log
};

void ShimHost::own_shim(ShimProcess proc) {
  pid_ = proc.pid();
  shim_ = std::make_shared<ShimCell>();
  shim_->proc = std::move(proc);
}

// Reports the start (connecting first), then watches for the exit: the exit
// can never overtake `started`.
void ShimHost::start_with(Status s) {
  if (s.ok()) client_ = ttrpc::Client::connect(loop_, fccontrol_socket_.path(), &s);
  if (!s.ok() && shim_) kill_shim("cannot connect to its fccontrol socket: " + s.message());
  if (s.ok() && metrics_ && launched_at_ != msg::SteadyTime{})
    metrics_->shim_spawned(now() - launched_at_);
  events_->started(s, shim_ ? pid_ : 0);
  if (!shim_) return;
  if (client_) follow_status();
  auto cell = shim_;
  auto events = events_;
  std::weak_ptr<ShimOutput> output = output_;
  exit_watch_ = loop_.watch_readable(cell->proc.pidfd(), [cell, events, output] {
    msg::ShimExit exit{-1, 0};
    {
      std::lock_guard<std::mutex> lock(cell->mu);
      if (cell->proc.pid() < 0) return;  // released: emberd let go of it
      cell->proc.try_reap(&exit.code, &exit.signal);
    }
    // What it wrote before exiting may still wait in the pipe.
    if (auto out = output.lock()) {
      if (out->reader) out->reader->drain();
      exit.failure_code = static_cast<int32_t>(out->start_failure.code());
      exit.failure = out->start_failure.message();
    }
    events->shim_exited(std::move(exit));
  });
}

// The shim's status stream (ember.v1.VmStatus/Watch) until the connection
// ends; a shim without it (UNIMPLEMENTED) just leaves the guest unknown.
void ShimHost::follow_status() {
  ttrpc::CallOptions opts;
  opts.metadata = {{ttrpc::kNamespaceKey, key_.ns}};
  auto events = events_;
  std::string vm = name();
  client_->stream(
      msg::kVmStatusService, msg::kVmStatusWatch, {}, std::move(opts),
      [events, vm, failure = boot_failure_](std::string payload) {
        msg::GuestStatus status;
        if (msg::decode_guest_status(payload, &status)) {
          if (status.state == msg::VmState::boot_failed) {
            std::lock_guard<std::mutex> lock(failure->mu);
            failure->reason = !status.reason.empty() ? status.reason : "the guest failed to boot";
          }
          events->guest_status(std::move(status));
        } else {
          spdlog::warn("VM {}: undecodable status from its shim", vm);
        }
      },
      [vm](ttrpc::CallResult r) {
        if (r.status.code() == Code::unimplemented)
          spdlog::info("VM {}: its shim has no status stream: {}", vm, r.status.message());
      });
}

// The directory, sockets and spawn run on a worker; the rest, and every
// event, on the loop thread, where the host lives.
void ShimHost::launch() {
  launched_at_ = now();
  created_ms_ = unix_ms_now();
  std::weak_ptr<char> alive = alive_;
  workers_.submit([this, alive, &loop = loop_, &cfg = cfg_, key = key_] {
    auto l = make_files_and_spawn(cfg, key);
    // Moved in: the loop thread, not this one, lets go of what it owns.
    loop.post([this, alive, l = std::move(l)] {
      if (alive.lock()) take_launched(std::move(*l));
    });
  });
}

void ShimHost::take_launched(Launched l) {
  dir_ = std::move(l.dir);
  shim_socket_ = std::move(l.shim_socket);
  fccontrol_socket_ = std::move(l.fccontrol_socket);
  if (l.spawned) {
    output_ = std::make_shared<ShimOutput>();
    std::weak_ptr<ShimOutput> weak = output_;
    output_->reader = forward_shim_output(loop_, l.proc.take_output(), name(), [weak](Status why) {
      if (auto out = weak.lock()) out->start_failure = std::move(why);
    });
    own_shim(std::move(l.proc));
  }
  if (!l.status.ok() && !shim_) remove_all();  // nothing runs: nothing may stay
  start_with(l.status);
}

void ShimHost::adopt(const msg::ShimRecord& rec) {
  shim_socket_ = io::BoundSocket(UniqueFd(), rec.shim_socket);
  fccontrol_socket_ = io::BoundSocket(UniqueFd(), rec.fccontrol_socket);
  Status s = VmDir::adopt(cfg_.shim_base_dir, key_.ns, key_.id, &dir_);
  if (s.ok()) {
    ShimProcess proc;
    s = ShimProcess::adopt(rec.pid, rec.start_time, &proc);
    if (s.ok()) own_shim(std::move(proc));
  }
  if (!s.ok()) {
    // Nothing of the VM may be left when `started` reports the failure, so
    // its record is kept now: the shim ended while no emberd watched it.
    keep_tombstone(msg::VmEnd{"adopt-failed", s.message(), {}, false, false});
    remove_all();
  }
  start_with(s);
}

void ShimHost::call_shim(uint64_t call_id, const msg::VmCall& call) {
  ttrpc::CallOptions opts;
  opts.timeout = std::chrono::milliseconds(call.timeout_ms);
  opts.metadata = call.metadata;
  // A call emberd makes itself (StopVM at shutdown) has no caller's metadata.
  if (call.metadata.empty()) opts.metadata = {{ttrpc::kNamespaceKey, key_.ns}};
  auto events = events_;
  std::string vm = key_.id;
  // A CreateVM answered OK is marked in the VM dir before anyone hears of it:
  // a restarted emberd adopts only VMs so marked (vm_creation.hpp).
  std::string mark_dir = call.method == msg::Method::create_vm ? dir_.path() : std::string();
  client_->call(msg::kFirecrackerService, msg::method_name(call.method), call.payload,
                std::move(opts),
                [events, call_id, vm, answer = call.answer, mark_dir](ttrpc::CallResult r) {
                  // The client's own deadline: say which VM did not answer.
                  if (r.status.code() == Code::deadline_exceeded)
                    r.status = Status::DeadlineExceeded("VM " + vm + ": " + r.status.message());
                  if (r.status.ok() && !mark_dir.empty()) {
                    Status marked = mark_created(mark_dir);
                    if (!marked.ok()) r = ttrpc::CallResult{marked, {}};
                  }
                  msg::RpcReply reply{static_cast<int32_t>(r.status.code()), r.status.message(),
                                      std::move(r.payload)};
                  // The caller hears it from this thread, without a hop
                  // through the actors; the supervisor still learns of it.
                  if (answer) answer->answer(reply);
                  events->shim_replied(call_id, std::move(reply));
                });
}

void ShimHost::kill_shim(const std::string& why) {
  if (!shim_) return;
  spdlog::warn("VM {}: killing shim pid {} ({})", name(), pid_, why);
  std::lock_guard<std::mutex> lock(shim_->mu);
  Status s = shim_->proc.kill_group(SIGKILL);
  if (!s.ok()) spdlog::warn("VM {}: {}", name(), s.message());
}

// A timer that runs out after its host is gone (the VM ended, or emberd let
// go of it) reaches nobody: dropped here, it is not journaled either, or a
// journal cut after the VM's end would hold a completion for a VM it never saw.
void ShimHost::start_timer(std::chrono::milliseconds after, uint64_t token) {
  std::weak_ptr<char> alive = alive_;
  auto events = events_;
  loop_.after(after.count(), [alive, events, token] {
    if (alive.lock()) events->timer_fired(token);
  });
}

void ShimHost::keep_tombstone(const msg::VmEnd& ended) {
  if (!dir_.valid()) return;  // the launch made nothing
  std::string boot_failure;
  {
    std::lock_guard<std::mutex> lock(boot_failure_->mu);
    boot_failure = boot_failure_->reason;
  }
  const msg::VmEnd end = with_boot_failure(ended, boot_failure);
  TombstoneFacts facts{key_, config::to_string(cfg_.vmm.backend), end, created_ms_, unix_ms_now()};
  std::string text, path;
  if (!make_tombstone(dir_.path(), facts, cfg_.tombstones.console_tail_bytes, &text)) return;
  Status s = tombstones_.keep(key_.ns, key_.id, facts.exited_ms, text, &path);
  if (!s.ok()) {
    spdlog::warn("VM {}: cannot keep its tombstone: {}", name(), s.message());
  } else if (!path.empty()) {
    spdlog::info("VM {}: tombstone {} ({})", name(), path, end.cause);
  }
}

// The connection and the output reader close on the loop thread. The loop
// runs these before it writes any reply sent after this call, so a caller who
// got the reply finds emberd's fd count back where it was.
void ShimHost::close_connections() {
  if (client_) client_->close();
  client_.reset();
  std::shared_ptr<ShimCell> reaped;
  if (shim_) {
    std::lock_guard<std::mutex> lock(shim_->mu);
    if (shim_->proc.reaped()) reaped = std::move(shim_);
  }
  if (output_ || reaped)
    loop_.post([r = std::move(output_), c = std::move(reaped)]() mutable {
      r.reset();
      c.reset();
    });
}

void ShimHost::remove_all() {
  close_connections();
  // The sockets first, the directory (the VM's record) last: once it is
  // gone, nothing of the VM is left.
  shim_socket_.reset();
  fccontrol_socket_.reset();
  Status s = dir_.remove();
  if (!s.ok()) spdlog::warn("VM {}: {}", name(), s.message());
}

// emberd is exiting: the shim keeps running with its directory and sockets.
void ShimHost::detach() {
  alive_.reset();  // a launch still under way is undone when it ends
  if (client_) client_->close();
  dir_.release();
  shim_socket_.release();
  fccontrol_socket_.release();
  if (shim_) {
    // The watch waits on the pidfd that release() closes: it goes first.
    if (exit_watch_ != 0) loop_.cancel_watch(exit_watch_);
    std::lock_guard<std::mutex> lock(shim_->mu);
    shim_->proc.release();
  }
}

}  // namespace

ShimHostFactory::ShimHostFactory(io::EventLoop& loop, const config::Config& cfg,
                                 metrics::Metrics* metrics)
    : loop_(loop),
      cfg_(cfg),
      metrics_(metrics),
      tombstones_(config::tombstone_dir(cfg),
                  TombstoneBounds{cfg.tombstones.max_per_namespace, cfg.tombstones.max_bytes}) {
  reserve_spare_fds();
}

std::unique_ptr<msg::VmEffects> ShimHostFactory::make(const msg::VmKey& key,
                                                      std::shared_ptr<msg::VmEvents> events) {
  return std::make_unique<ShimHost>(loop_, workers_, tombstones_, cfg_, key, std::move(events),
                                    metrics_);
}

}  // namespace ember::shimproc
