// The supervisor of one VM: owns its directory, the shim's socket files, the
// shim process and one persistent ttrpc connection to the shim.
//
//   idle -> creating -> running -> stopping -> (quit)
//   any state -> (quit) when the shim exits; the registry then forgets the VM.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <csignal>
#include <memory>
#include <unordered_map>
#include <vector>

#include "actors/actors.hpp"
#include "actors/rpc_payloads.hpp"
#include "actors/shim_launch.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"
#include "shimproc/shim_address.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/vm_dir.hpp"

namespace ember::actors {
namespace {

using namespace msg;
using Promise = caf::typed_response_promise<RpcReply>;
using Clock = std::chrono::steady_clock;

// Time the shim gets beyond the StopVM timeout to exit after its own
// VMM-kill path, before emberd kills its process group.
constexpr std::chrono::milliseconds kStopGrace{500};

enum class Phase { idle, creating, running, stopping };

RpcReply reply_of(const Status& s, bool vm_gone = false) {
  return RpcReply{static_cast<int32_t>(s.code()), s.message(), {}, vm_gone};
}

struct QueuedCall {
  VmCall call;
  Promise promise;
  Clock::time_point arrived;
};

struct SupervisorState {
  VmKey key;
  ActorDeps deps;
  Phase phase = Phase::idle;

  // Owned OS resources, released in reverse order by their destructors.
  shimproc::VmDir dir;
  io::BoundSocket shim_socket;       // file only: the fd went to the shim
  io::BoundSocket fccontrol_socket;  // file only: the fd went to the shim
  shimproc::ShimProcess shim;
  std::shared_ptr<ttrpc::Client> client;   // persistent, multiplexed
  std::shared_ptr<io::LineReader> output;  // shim stdout/stderr -> our log

  uint64_t next_call_id = 1;
  std::unordered_map<uint64_t, Promise> in_flight;  // forwarded to the shim
  std::vector<QueuedCall> queued;                   // arrived while creating

  uint64_t create_call_id = 0;
  Promise create_promise;
  bool create_failed = false;
  RpcReply create_failure;  // reported once the shim is gone

  std::vector<Promise> stop_waiters;
  uint64_t stop_call_id = 0;
  bool stop_call_done = false;
  RpcReply stop_reply;
  uint64_t stop_generation = 0;
  bool forced = false;  // emberd killed the shim

  bool shim_exited = false;
  int exit_code = 0;
  int exit_signal = 0;

  std::string name_of() const { return key.ns + "/" + key.id; }

  ~SupervisorState() {
    if (client) client->close();
    // A LineReader must die on the loop thread.
    if (output) deps.loop->post([r = std::move(output)]() mutable { r.reset(); });
  }

  static inline const char* name = "vm-supervisor";
};

using Self = supervisor_actor::stateful_pointer<SupervisorState>;

supervisor_actor handle_of(Self self) {
  return caf::actor_cast<supervisor_actor>(self);
}

// Forwards one call to the shim; the completion comes back as shim_reply_atom.
void send_to_shim(Self self, uint64_t call_id, const VmCall& call) {
  auto& st = self->state;
  ttrpc::CallOptions opts;
  opts.timeout = std::chrono::milliseconds(call.timeout_ms);
  opts.metadata = {{ttrpc::kNamespaceKey, st.key.ns}};
  auto hdl = handle_of(self);
  st.client->call(kFirecrackerService, method_name(call.method), call.payload, std::move(opts),
                  [hdl, call_id](ttrpc::CallResult r) {
                    caf::anon_send(hdl, shim_reply_atom::value, call_id,
                                   RpcReply{static_cast<int32_t>(r.status.code()),
                                            r.status.message(), std::move(r.payload), false});
                  });
}

caf::result<RpcReply> forward(Self self, const VmCall& call) {
  auto id = self->state.next_call_id++;
  auto rp = self->make_response_promise<RpcReply>();
  self->state.in_flight.emplace(id, rp);
  send_to_shim(self, id, call);
  return rp;
}

// Watches the shim's pidfd on the I/O thread (the loop waits on its own dup,
// so the watch does not depend on this actor's state living on).
void watch_shim_exit(Self self) {
  auto hdl = handle_of(self);
  self->state.deps.loop->watch_readable(self->state.shim.pidfd(),
                                        [hdl] { caf::anon_send(hdl, shim_exit_atom::value); });
}

// Drops the connection and the output reader (both on the loop thread) and
// removes the VM's directory and socket files. The loop runs the posted
// closes before it writes any reply sent after this, so a caller who got the
// reply finds emberd's fd count back where it was.
void remove_resources(Self self) {
  auto& st = self->state;
  if (st.client) st.client->close();
  if (st.output) st.deps.loop->post([r = std::move(st.output)]() mutable { r.reset(); });
  // A reaped shim's pidfd goes now too, not when the actor's state dies
  // (after the reply).
  if (st.shim.reaped()) st.shim = shimproc::ShimProcess();
  Status s = st.dir.remove();
  if (!s.ok()) spdlog::warn("VM {}: {}", st.name_of(), s.message());
  st.shim_socket.reset();
  st.fccontrol_socket.reset();
}

void fail_pending(Self self, const Status& why) {
  auto& st = self->state;
  for (auto& [id, rp] : st.in_flight)
    rp.deliver(reply_of(why));
  st.in_flight.clear();
  for (auto& q : st.queued)
    q.promise.deliver(reply_of(why));
  st.queued.clear();
}

void kill_shim(Self self, const char* why) {
  auto& st = self->state;
  spdlog::warn("VM {}: killing shim pid {} ({})", st.name_of(), st.shim.pid(), why);
  Status s = st.shim.kill_group(SIGKILL);
  if (!s.ok()) spdlog::warn("VM {}: {}", st.name_of(), s.message());
}

void begin_stop(Self self, const VmCall& call, Promise rp);

void run_queued_calls(Self self) {
  auto queued = std::move(self->state.queued);
  self->state.queued.clear();
  auto now = Clock::now();
  for (auto& q : queued) {
    if (self->state.phase != Phase::running) {
      q.promise.deliver(
          reply_of(Status::FailedPrecondition("VM " + self->state.key.id + " is stopping")));
      continue;
    }
    VmCall call = std::move(q.call);
    if (call.timeout_ms > 0) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - q.arrived).count();
      if (waited >= call.timeout_ms) {
        q.promise.deliver(reply_of(Status::DeadlineExceeded(
            "VM " + self->state.key.id + " was still being created at the call's deadline")));
        continue;
      }
      call.timeout_ms -= waited;
    }
    // Promises are made in the handler that received the call: this one is
    // the queued caller's, whatever message is being handled now.
    auto rp = q.promise;
    if (call.method == Method::stop_vm) {
      begin_stop(self, call, rp);
      continue;
    }
    auto id = self->state.next_call_id++;
    self->state.in_flight.emplace(id, rp);
    send_to_shim(self, id, call);
  }
}

void on_create_reply(Self self, RpcReply r) {
  auto& st = self->state;
  if (r.code == 0 && !st.shim_exited) {
    st.phase = Phase::running;
    spdlog::info("VM {}: running (shim pid {})", st.name_of(), st.shim.pid());
    st.create_promise.deliver(std::move(r));
    run_queued_calls(self);
    return;
  }
  // The shim refused or failed (or died): nothing of the VM may stay behind.
  if (!st.create_failed) {
    st.create_failed = true;
    st.create_failure = std::move(r);
  }
  if (!st.shim_exited) kill_shim(self, "CreateVM failed");
}

void finish_create_failure(Self self) {
  auto& st = self->state;
  remove_resources(self);
  RpcReply r = st.create_failure;
  r.vm_gone = true;
  spdlog::warn("VM {}: CreateVM failed: {}", st.name_of(), r.message);
  st.create_promise.deliver(r);
  fail_pending(self, Status::NotFound("VM " + st.key.id + " could not be created"));
  self->quit();
}

void finish_stop(Self self) {
  auto& st = self->state;
  remove_resources(self);
  RpcReply r;
  if (st.forced) {
    r = reply_of(Status::Internal("forcefully terminated VM " + st.key.id));
  } else if (st.stop_reply.code != static_cast<int32_t>(Code::unavailable)) {
    // The shim's own verdict: OK, or e.g. INTERNAL when it had to kill the
    // VMM. It precedes the connection's EOF on the stream, so it is never
    // lost to the exit.
    r = st.stop_reply;
  } else if (st.exit_code != 0 || st.exit_signal != 0) {
    r = reply_of(Status::Internal("shim of VM " + st.key.id + " exited without answering StopVM (" +
                                  (st.exit_signal ? "signal " + std::to_string(st.exit_signal)
                                                  : "code " + std::to_string(st.exit_code)) +
                                  ")"));
  }
  r.vm_gone = true;
  spdlog::info("VM {}: stopped{}", st.name_of(), st.forced ? " (forced)" : "");
  for (auto& rp : st.stop_waiters)
    rp.deliver(r);
  st.stop_waiters.clear();
  fail_pending(self, Status::Unavailable("VM " + st.key.id + " was stopped"));
  self->quit();
}

void on_shim_reply(Self self, uint64_t id, RpcReply r) {
  auto& st = self->state;
  if (id == st.create_call_id && st.phase == Phase::creating) {
    st.create_call_id = 0;
    on_create_reply(self, std::move(r));
    if (st.create_failed && st.shim_exited) finish_create_failure(self);
    return;
  }
  if (id == st.stop_call_id && st.phase == Phase::stopping) {
    st.stop_call_done = true;
    st.stop_reply = std::move(r);
    if (st.shim_exited) finish_stop(self);
    return;
  }
  auto i = st.in_flight.find(id);
  if (i == st.in_flight.end()) return;  // already failed by an exit
  i->second.deliver(std::move(r));
  st.in_flight.erase(i);
}

void on_shim_exit(Self self) {
  auto& st = self->state;
  if (st.shim_exited) return;
  st.shim_exited = true;
  st.shim.try_reap(&st.exit_code, &st.exit_signal);
  spdlog::info("VM {}: shim pid {} exited (code {}, signal {})", st.name_of(), st.shim.pid(),
               st.exit_code, st.exit_signal);
  switch (st.phase) {
    case Phase::creating:
      // A transport error (the connection closed as the shim died) says less
      // than the exit itself.
      if (!st.create_failed || st.create_failure.code == static_cast<int32_t>(Code::unavailable)) {
        st.create_failed = true;
        st.create_failure = reply_of(Status::Unavailable(
            "shim of VM " + st.key.id + " exited during CreateVM (code " +
            std::to_string(st.exit_code) + ", signal " + std::to_string(st.exit_signal) + ")"));
        // The CreateVM call still completes (UNAVAILABLE at the latest when the
        // connection's EOF is read); finish then, so its reply cannot race us.
      }
      if (st.create_call_id == 0) finish_create_failure(self);
      return;
    case Phase::stopping:
      // Wait for the StopVM call to complete (its reply, or UNAVAILABLE once
      // the connection's EOF is read) so a reply already sent is not lost.
      if (st.stop_call_done) finish_stop(self);
      return;
    case Phase::running:
    case Phase::idle:
      spdlog::warn("VM {}: shim exited unexpectedly; the VM is gone", st.name_of());
      remove_resources(self);
      fail_pending(self, Status::Unavailable("shim of VM " + st.key.id + " exited"));
      self->quit();
      return;
  }
}

void begin_stop(Self self, const VmCall& call, Promise rp) {
  auto& st = self->state;
  st.phase = Phase::stopping;
  uint32_t seconds = stop_timeout_seconds(call.payload);
  if (seconds == 0) seconds = st.deps.cfg->timeouts.stop_vm_seconds;
  auto gen = ++st.stop_generation;
  st.stop_call_id = st.next_call_id++;
  VmCall stop = call;
  stop.timeout_ms = static_cast<int64_t>(seconds) * 1000 + kStopGrace.count();
  send_to_shim(self, st.stop_call_id, stop);
  self->delayed_send(self, std::chrono::seconds(seconds) + kStopGrace, stop_timer_atom::value, gen);
  spdlog::info("VM {}: stopping (timeout {} s)", st.name_of(), seconds);
  st.stop_waiters.push_back(std::move(rp));
}

caf::result<RpcReply> start_create(Self self, const VmCall& call) {
  auto& st = self->state;
  const config::Config& cfg = *st.deps.cfg;
  st.phase = Phase::creating;
  auto fail_now = [&](const Status& s) -> caf::result<RpcReply> {
    spdlog::warn("VM {}: CreateVM failed: {}", st.name_of(), s.message());
    remove_resources(self);
    self->quit();
    return reply_of(s, true);
  };
  Status s = shimproc::VmDir::create(cfg.shim_base_dir, st.key.ns, st.key.id, &st.dir);
  if (!s.ok()) return fail_now(s);
  auto shim_path =
      shimproc::shim_socket_path(cfg.state_dir, cfg.containerd_address, st.key.ns, st.key.id);
  s = io::bind_listener(shim_path, &st.shim_socket);
  if (!s.ok()) return fail_now(s);
  s = io::bind_listener(shimproc::fccontrol_socket_path(shim_path), &st.fccontrol_socket);
  if (!s.ok()) return fail_now(s);
  s = st.dir.write_address(shimproc::unix_address(shim_path));
  if (!s.ok()) return fail_now(s);

  s = shimproc::ShimProcess::spawn(
      make_shim_launch(cfg, st.key.ns, st.key.id, st.dir.path(), st.shim_socket.take_fd(),
                       st.fccontrol_socket.take_fd()),
      &st.shim);
  if (!s.ok()) return fail_now(s);
  watch_shim_exit(self);
  st.output = forward_shim_output(*st.deps.loop, st.shim.take_output(), st.name_of());

  st.create_promise = self->make_response_promise<RpcReply>();
  st.client = ttrpc::Client::connect(*st.deps.loop, st.fccontrol_socket.path(), &s);
  if (!st.client) {
    st.create_failed = true;
    st.create_failure = reply_of(s);
    kill_shim(self, "cannot connect to its fccontrol socket");
    return st.create_promise;
  }
  VmCall create = call;
  if (create.timeout_ms <= 0) create.timeout_ms = int64_t{cfg.timeouts.create_vm_seconds} * 1000;
  st.create_call_id = st.next_call_id++;
  send_to_shim(self, st.create_call_id, create);
  spdlog::info("VM {}: creating (shim pid {})", st.name_of(), st.shim.pid());
  return st.create_promise;
}

// emberd restarted: take over a shim that kept running, with its directory,
// socket files and a new connection. An unreachable shim is killed.
caf::result<RpcReply> adopt(Self self, const ShimRecord& rec) {
  auto& st = self->state;
  const config::Config& cfg = *st.deps.cfg;
  auto give_up = [&](const Status& s) -> caf::result<RpcReply> {
    spdlog::warn("VM {}: cannot adopt shim pid {}: {}", st.name_of(), rec.pid, s.message());
    remove_resources(self);
    self->quit();
    return reply_of(s, true);
  };
  st.phase = Phase::running;
  st.shim_socket = io::BoundSocket(UniqueFd(), rec.shim_socket);
  st.fccontrol_socket = io::BoundSocket(UniqueFd(), rec.fccontrol_socket);
  Status s = shimproc::VmDir::adopt(cfg.shim_base_dir, st.key.ns, st.key.id, &st.dir);
  if (!s.ok()) return give_up(s);
  s = shimproc::ShimProcess::adopt(rec.pid, rec.start_time, &st.shim);
  if (!s.ok()) return give_up(s);
  watch_shim_exit(self);
  st.client = ttrpc::Client::connect(*st.deps.loop, rec.fccontrol_socket, &s);
  if (!st.client) {
    // Alive but unreachable: useless to anyone, so it goes.
    kill_shim(self, "its fccontrol socket does not answer");
    st.phase = Phase::stopping;
    st.forced = true;
    st.stop_call_done = true;
    return reply_of(s, true);
  }
  spdlog::info("VM {}: adopted running shim pid {}", st.name_of(), rec.pid);
  return RpcReply{};
}

// emberd is exiting: the shim keeps running with its directory and sockets, so
// that the next emberd can adopt it.
void detach(Self self) {
  auto& st = self->state;
  if (st.client) st.client->close();
  st.dir.release();
  st.shim_socket.release();
  st.fccontrol_socket.release();
  st.shim.release();
  Status bye = Status::Unavailable("emberd is shutting down");
  if (st.phase == Phase::creating) st.create_promise.deliver(reply_of(bye));
  fail_pending(self, bye);
  for (auto& rp : st.stop_waiters)
    rp.deliver(reply_of(bye));
  st.stop_waiters.clear();
  self->quit();
}

supervisor_actor::behavior_type vm_supervisor(Self self, VmKey key, ActorDeps deps) {
  self->state.key = std::move(key);
  self->state.deps = deps;
  return {
      [=](call_atom, const VmCall& call) -> caf::result<RpcReply> {
        auto& st = self->state;
        const std::string& id = st.key.id;
        switch (st.phase) {
          case Phase::idle:
            if (call.method == Method::create_vm) return start_create(self, call);
            return reply_of(Status::NotFound("VM " + id + " not found"));
          case Phase::creating: {
            if (call.method == Method::create_vm)
              return reply_of(Status::AlreadyExists("VM " + id + " already exists"));
            auto rp = self->make_response_promise<RpcReply>();
            st.queued.push_back(QueuedCall{call, rp, Clock::now()});
            return rp;
          }
          case Phase::running:
            if (call.method == Method::create_vm)
              return reply_of(Status::AlreadyExists("VM " + id + " already exists"));
            if (call.method == Method::stop_vm) {
              auto rp = self->make_response_promise<RpcReply>();
              begin_stop(self, call, rp);
              return rp;
            }
            return forward(self, call);
          case Phase::stopping:
            break;
        }
        return reply_of(Status::FailedPrecondition("VM " + id + " is stopping"));
      },
      [=](adopt_atom, const ShimRecord& rec) -> caf::result<RpcReply> {
        if (self->state.phase != Phase::idle)
          return reply_of(Status::AlreadyExists("VM " + self->state.key.id + " already exists"));
        return adopt(self, rec);
      },
      [=](shim_reply_atom, uint64_t id, RpcReply& r) { on_shim_reply(self, id, std::move(r)); },
      [=](shim_exit_atom) { on_shim_exit(self); },
      [=](stop_timer_atom, uint64_t gen) {
        auto& st = self->state;
        if (st.phase != Phase::stopping || gen != st.stop_generation || st.shim_exited) return;
        st.forced = true;
        kill_shim(self, "StopVM timeout");
      },
      [=](detach_atom) { detach(self); },
  };
}

}  // namespace

msg::supervisor_actor spawn_vm_supervisor(caf::actor_system& sys, msg::VmKey key, ActorDeps deps) {
  return sys.spawn(vm_supervisor, std::move(key), deps);
}

}  // namespace ember::actors
