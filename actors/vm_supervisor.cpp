// The supervisor of one VM. It owns the VM's effects (messages/vm_effects.hpp)
// and through them its directory, socket files, shim process and connection;
// it decides, the effects act, and their completions come back as messages.
//
//   idle -> creating -> running -> stopping -> (quit)
//   idle -> adopting -> running
//   creating/adopting -> ending -> (quit)       the VM could not start
//   running -> (quit)                            the shim exited by itself
//
// A StopVM or failed CreateVM is not answered here: the supervisor quits with
// the outcome (vm_end_reason) and the registry answers from the down message.
#include <spdlog/spdlog.h>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>

#include "actors/actors.hpp"
#include "actors/after_each_message.hpp"
#include "actors/step_noted.hpp"
#include "actors/supervisor_events.hpp"
#include "actors/supervisor_outcomes.hpp"
#include "actors/supervisor_report.hpp"
#include "actors/vm_end.hpp"
#include "actors/vm_meter.hpp"
#include "actors/vm_supervisor_state.hpp"
#include "config/config.hpp"
#include "messages/fccontrol_payloads.hpp"
#include "messages/stop_status.hpp"

namespace ember::actors {
namespace {

using namespace msg;
using Self =
    StepNoted<AfterEachMessage<caf::stateful_actor<SupervisorState, supervisor_actor::base>>>*;

// Time the shim gets beyond the StopVM timeout to exit after its own
// VMM-kill path, before emberd kills its process group.
constexpr std::chrono::milliseconds kStopGrace{500};

// Answers every open call and queued call with why; the calls whose outcome
// the registry gives (StopVM, CreateVM) are left to it.
void fail_pending(Self self, const Status& why) {
  auto& st = self->state;
  for (auto& [id, c] : st.calls) {
    if (c.method == Method::stop_vm || c.method == Method::create_vm) continue;
    if (c.answer) c.answer->answer(reply_of(why));
    c.promise.deliver(reply_of(why));
  }
  st.calls.clear();
  if (auto* c = std::get_if<Creating>(&st.phase)) {
    for (auto& q : c->queued)
      q.promise.deliver(reply_of(why));
    c->queued.clear();
  }
}

// The VM is gone: its resources first, then every caller, then the actor.
void finish(Self self, std::optional<Method> ends_call, const RpcReply& outcome,
            const Status& others) {
  self->state.fx->keep_tombstone(vm_end_of(self->state, ends_call, outcome));
  self->state.fx->remove_all();
  report_exit(self->state, ends_call, outcome, others);
  fail_pending(self, others);
  if (ends_call)
    self->quit(vm_end_reason(*ends_call, outcome));
  else
    self->quit();
}

void send_call(Self self, uint64_t id, const VmCall& call) {
  self->state.fx->call_shim(id, call);
}

caf::result<RpcReply> forward(Self self, const VmCall& call, Promise rp) {
  auto id = self->state.next_call_id++;
  self->state.calls.emplace(id, PendingCall{call.method, rp, call.answer});
  send_call(self, id, call);
  return rp;
}

// The VM cannot start: kill what runs, and end once the shim has exited (if
// it ever ran) and the call that ends it has completed.
void end_when_clean(Self self, Ending ending) {
  auto& st = self->state;
  bool open = ending.ends_call && std::any_of(st.calls.begin(), st.calls.end(), [&](auto& c) {
                return c.second.method == *ending.ends_call;
              });
  bool shim_gone = st.exit.has_value() || !st.has_shim;
  if (shim_gone && !open) {
    spdlog::warn("VM {}: {}", st.name_of(), ending.outcome.message);
    finish(self, ending.ends_call, ending.outcome, ending.refusal);
    return;
  }
  st.phase = std::move(ending);
}

// CreateVM failed with why: calls that waited for it hear so at once.
void fail_create(Self self, RpcReply why) {
  auto& st = self->state;
  Status refusal = Status::NotFound("VM " + st.key.id + " could not be created");
  if (auto* c = std::get_if<Creating>(&st.phase))
    for (auto& q : c->queued)
      q.promise.deliver(reply_of(refusal));
  end_when_clean(self, Ending{Method::create_vm, std::move(why), refusal});
}

// The shim is killed at the StopVM timeout, or at the caller's deadline when
// that comes first (as the seed, whose wait for the exit ends with the
// caller's context).
void begin_stop(Self self, const VmCall& call, Promise rp) {
  auto& st = self->state;
  uint32_t seconds = stop_timeout_seconds(call.payload);
  if (seconds == 0) seconds = st.deps.cfg->timeouts.stop_vm_seconds;
  auto id = st.next_call_id++;
  st.calls.emplace(id, PendingCall{Method::stop_vm, rp, nullptr});
  st.phase = Stopping{id, std::nullopt, false};
  VmCall stop = call;
  stop.answer.reset();  // answered after the exit, by the registry
  stop.timeout_ms = within_deadline(int64_t{seconds} * 1000 + kStopGrace.count(), call.timeout_ms);
  send_call(self, id, stop);
  st.fx->start_timer(std::chrono::milliseconds(stop.timeout_ms), id);
  report(st, VmState::stopping, "stop");
  spdlog::info("VM {}: stopping (timeout {} ms)", st.name_of(), stop.timeout_ms);
}

// Calls that waited for CreateVM run now, with what is left of their deadline.
void run_queued(Self self, std::vector<QueuedCall> queued) {
  auto now = self->state.fx->now();
  for (auto& q : queued) {
    if (!std::holds_alternative<Running>(self->state.phase)) {
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
    if (call.method == Method::stop_vm)
      begin_stop(self, call, q.promise);
    else
      forward(self, call, q.promise);
  }
}

void on_started(Self self, const RpcReply& r, int32_t pid) {
  auto& st = self->state;
  st.has_shim = pid > 0;
  st.shim_pid = pid;
  if (auto* a = std::get_if<Adopting>(&st.phase)) {
    Promise rp = a->promise;
    if (r.code == 0) {
      st.phase = Running{};
      // The inventory hears of it before the caller, as for a create: a
      // recovery that ended finds the VM in ListVMs and the metrics.
      report(st, VmState::ready, "adopt");
      rp.deliver(r);
      spdlog::info("VM {}: adopted running shim pid {}", st.name_of(), pid);
    } else {
      rp.deliver(r);
      end_when_clean(self, Ending{std::nullopt, r,
                                  Status::NotFound("VM " + st.key.id + " could not be adopted")});
    }
    return;
  }
  auto* c = std::get_if<Creating>(&st.phase);
  if (c == nullptr) return;
  st.has_shim = pid > 0;
  if (r.code != 0) {
    st.calls.erase(c->create_id);
    fail_create(self, r);
    return;
  }
  spdlog::info("VM {}: creating (shim pid {})", st.name_of(), pid);
  send_call(self, c->create_id, c->create);
}

void on_create_reply(Self self, Creating& c, RpcReply r) {
  auto& st = self->state;
  PendingCall call = std::move(st.calls.at(c.create_id));
  st.calls.erase(c.create_id);
  if (r.code != 0) {
    st.fx->kill_shim("CreateVM failed");
    fail_create(self, std::move(r));
    return;
  }
  auto queued = std::move(c.queued);
  st.phase = Running{};
  report(st, VmState::ready, "");
  spdlog::info("VM {}: running", st.name_of());
  call.promise.deliver(std::move(r));
  run_queued(self, std::move(queued));
}

// The StopVM outcome once the shim has exited and answered (or could not).
RpcReply stop_outcome(Self self, const Stopping& s) {
  const auto& id = self->state.key.id;
  if (s.forced) return reply_of(msg::forced_stop_status(id));
  // The shim's own verdict (OK, or e.g. INTERNAL when it had to kill the VMM)
  // precedes the connection's EOF on the stream, so it is never lost to the exit.
  if (s.answer && s.answer->code != static_cast<int32_t>(Code::unavailable)) return *s.answer;
  const ShimExit& e = *self->state.exit;
  if (e.code != 0 || e.signal != 0)
    return reply_of(Status::Internal("shim of VM " + id + " exited without answering StopVM (" +
                                     describe(e) + ")"));
  return RpcReply{};
}

void finish_stop(Self self) {
  auto& st = self->state;
  auto& s = std::get<Stopping>(st.phase);
  RpcReply outcome = stop_outcome(self, s);
  spdlog::info("VM {}: stopped{}", st.name_of(), s.forced ? " (forced)" : "");
  finish(self, Method::stop_vm, outcome, Status::Unavailable("VM " + st.key.id + " was stopped"));
}

void on_shim_reply(Self self, uint64_t id, RpcReply r) {
  auto& st = self->state;
  auto i = st.calls.find(id);
  if (i == st.calls.end()) return;  // already answered (the shim exited)
  if (auto* c = std::get_if<Creating>(&st.phase); c && id == c->create_id) {
    on_create_reply(self, *c, std::move(r));
  } else if (auto* s = std::get_if<Stopping>(&st.phase); s && id == s->stop_id) {
    st.calls.erase(i);
    s->answer = std::move(r);
    if (st.exit) finish_stop(self);
  } else if (auto* e = std::get_if<Ending>(&st.phase)) {
    if (i->second.method != e->ends_call) i->second.promise.deliver(std::move(r));
    st.calls.erase(i);
    end_when_clean(self, std::move(*e));
  } else {
    report_reply(st, i->second.method, r);
    i->second.promise.deliver(std::move(r));
    st.calls.erase(i);
  }
}

void on_shim_exit(Self self, const ShimExit& exit) {
  auto& st = self->state;
  if (st.exit) return;
  st.exit = exit;
  spdlog::info("VM {}: shim exited ({})", st.name_of(), describe(exit));
  if (std::holds_alternative<Creating>(st.phase)) {
    // The CreateVM call still completes (UNAVAILABLE at the latest when the
    // connection's EOF is read); end then, so its reply cannot race us.
    fail_create(self, exited_during_create(st, exit));
  } else if (auto* s = std::get_if<Stopping>(&st.phase)) {
    // Wait for the StopVM call to complete so a reply already sent is not lost.
    if (s->answer) finish_stop(self);
  } else if (auto* e = std::get_if<Ending>(&st.phase)) {
    // A transport error (the connection closed as the shim died) says less
    // than the exit itself, and the shim's own reason says most.
    if (e->outcome.code == static_cast<int32_t>(Code::unavailable) || exit.failure_code != 0)
      e->outcome = exited_during_create(st, exit);
    end_when_clean(self, std::move(*e));
  } else {
    spdlog::warn("VM {}: shim exited unexpectedly; the VM is gone", st.name_of());
    finish(self, std::nullopt, {}, Status::Unavailable("shim of VM " + st.key.id + " exited"));
  }
}

// A call waits for the CreateVM at most timeouts.call_wait_seconds (or its
// deadline, if sooner), as the seed's calls wait for a VM to be ready.
caf::result<RpcReply> queue_behind_create(Self self, Creating& c, const VmCall& call) {
  auto& st = self->state;
  auto rp = self->make_response_promise<RpcReply>();
  auto id = st.next_call_id++;
  int64_t wait_ms =
      within_deadline(int64_t{st.deps.cfg->timeouts.call_wait_seconds} * 1000, call.timeout_ms);
  c.queued.push_back(QueuedCall{call, rp, st.fx->now(), id, wait_ms});
  st.fx->start_timer(std::chrono::milliseconds(wait_ms), id);
  return rp;
}

void on_queue_timer(Self self, Creating& c, uint64_t token) {
  auto q = std::find_if(c.queued.begin(), c.queued.end(),
                        [token](const QueuedCall& q) { return q.id == token; });
  if (q == c.queued.end()) return;
  q->promise.deliver(reply_of(Status::DeadlineExceeded(
      "VM " + self->state.key.id + " was still being created after " + std::to_string(q->wait_ms) +
      " ms (timeouts.call_wait_seconds " + "or the call's deadline)")));
  c.queued.erase(q);
}

void on_timer(Self self, uint64_t token) {
  auto& st = self->state;
  if (auto* c = std::get_if<Creating>(&st.phase)) return on_queue_timer(self, *c, token);
  auto* s = std::get_if<Stopping>(&st.phase);
  if (s == nullptr || token != s->stop_id || st.exit) return;
  s->forced = true;
  st.fx->kill_shim("StopVM timeout");
}

caf::result<RpcReply> start_create(Self self, const VmCall& call) {
  auto& st = self->state;
  VmCall create = call;
  create.answer.reset();  // its reply decides the VM's fate first
  // CreateVMRequest.TimeoutSeconds, else timeouts.create_vm_seconds; the
  // caller's deadline when that comes first.
  uint32_t seconds = create_timeout_seconds(call.payload);
  if (seconds == 0) seconds = st.deps.cfg->timeouts.create_vm_seconds;
  create.timeout_ms = within_deadline(int64_t{seconds} * 1000, call.timeout_ms);
  auto rp = self->make_response_promise<RpcReply>();
  auto id = st.next_call_id++;
  st.calls.emplace(id, PendingCall{Method::create_vm, rp, nullptr});
  st.phase = Creating{id, std::move(create), {}};
  report(st, VmState::creating, "create");
  st.fx->launch();
  return rp;
}

// emberd is exiting: the shim keeps running with its directory and sockets,
// so that the next emberd can adopt it. Every caller hears so.
void detach(Self self) {
  auto& st = self->state;
  Status bye = Status::Unavailable("emberd is shutting down");
  st.fx->detach();
  for (auto& [id, c] : st.calls)
    c.promise.deliver(reply_of(bye));
  st.calls.clear();
  if (auto* a = std::get_if<Adopting>(&st.phase)) a->promise.deliver(reply_of(bye));
  fail_pending(self, bye);
  self->quit();
}

caf::result<RpcReply> on_call(Self self, const VmCall& call) {
  auto& st = self->state;
  const std::string& id = st.key.id;
  bool create = call.method == Method::create_vm;
  if (std::holds_alternative<Idle>(st.phase)) {
    if (create) return start_create(self, call);
    return reply_of(Status::NotFound("VM " + id + " not found"));
  }
  if (create) return reply_of(Status::AlreadyExists("VM " + id + " already exists"));
  if (auto* c = std::get_if<Creating>(&st.phase)) return queue_behind_create(self, *c, call);
  if (std::holds_alternative<Running>(st.phase)) {
    auto rp = self->make_response_promise<RpcReply>();
    if (call.method == Method::stop_vm) {
      begin_stop(self, call, rp);
      return rp;
    }
    return forward(self, call, rp);
  }
  if (auto* e = std::get_if<Ending>(&st.phase)) return reply_of(e->refusal);
  return reply_of(Status::FailedPrecondition("VM " + id + " is stopping"));
}

supervisor_actor::behavior_type vm_supervisor(Self self, VmKey key, ActorDeps deps) {
  auto& st = self->state;
  st.key = std::move(key);
  st.deps = deps;
  st.fx = deps.effects->make(
      st.key, std::make_shared<SupervisorEvents>(self->address(), deps.inventory, st.key));
  self->note_steps(deps.steps(), StepSink::Role::vm, &st.key);
  if (deps.metrics)
    self->after_each_message([self, m = std::make_shared<VmMeter>(*deps.metrics)](bool ended) {
      m->observe(self->state, ended);
    });
  return {
      [=](call_atom, const VmCall& call) { return on_call(self, call); },
      [=](adopt_atom, const ShimRecord& rec) -> caf::result<RpcReply> {
        if (!std::holds_alternative<Idle>(self->state.phase))
          return reply_of(Status::AlreadyExists("VM " + self->state.key.id + " already exists"));
        auto rp = self->make_response_promise<RpcReply>();
        self->state.phase = Adopting{rp};
        self->state.fx->adopt(rec);
        return rp;
      },
      [=](started_atom, const RpcReply& r, int32_t pid) { on_started(self, r, pid); },
      [=](shim_reply_atom, uint64_t id, RpcReply& r) { on_shim_reply(self, id, std::move(r)); },
      [=](shim_exit_atom, const ShimExit& e) { on_shim_exit(self, e); },
      [=](timer_atom, uint64_t token) { on_timer(self, token); },
      [=](detach_atom) { detach(self); },
  };
}

}  // namespace

msg::supervisor_actor spawn_vm_supervisor(caf::actor_system& sys, msg::VmKey key, ActorDeps deps) {
  return sys.spawn(vm_supervisor, std::move(key), deps);
}

}  // namespace ember::actors
