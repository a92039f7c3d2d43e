#include "replay/run.hpp"

#include "replay/step_names.hpp"

namespace ember::replay {

Run::Run(const Journal& journal, const Inputs& inputs, const ActorSet* actors, std::string* trace,
         const std::vector<char>* keep)
    : journal_(journal),
      inputs_(inputs),
      keep_(keep),
      trace_(trace),
      fx_(journal.header.start_mono_nanos(), inputs.vms),
      world_(journal.header, fx_, actors, trace),
      answers_(inputs.list.size()) {}

bool Run::caused(size_t i, bool strict, std::string* why) {
  const Input& in = inputs_.list[i];
  if (in.kind != InputKind::completion) return true;
  const journal::Completion& c = journal_.records[in.record].completion();
  Incarnation* inc = fx_.find(in.vm_index, in.ordinal);
  // Explaining costs more than checking: only when asked.
  auto said = [why](auto&& text) {
    if (why != nullptr) *why = text();
    return false;
  };
  if (inc == nullptr)
    return said([&] {
      return "no supervisor made for incarnation " + std::to_string(in.ordinal) + " of " + in.vm;
    });
  switch (c.event_case()) {
    case journal::Completion::kStarted:
      if ((inc->launched || inc->adopted) && !inc->started) return true;
      return said([] { return "neither launch nor adopt was asked (or started twice)"; });
    case journal::Completion::kShimReply:
      if (inc->calls.count(c.shim_reply().call_id()) != 0) return true;
      return said([&] {
        return "call_shim " + std::to_string(c.shim_reply().call_id()) + " was not asked";
      });
    case journal::Completion::kTimer:
      if (inc->timers.count(c.timer().token()) != 0) return true;
      return said(
          [&] { return "start_timer " + std::to_string(c.timer().token()) + " was not asked"; });
    case journal::Completion::kShimExit:
      if (!inc->started || inc->exited)
        return said([] { return "the shim had not started (or exited already)"; });
      if (!strict || inc->killed || inc->stop_asked || !inc->started_ok) return true;
      return said([] { return "nothing asked the shim to end"; });
    default:
      return said([] { return "empty completion"; });
  }
}

void Run::deliver(size_t i) {
  const Input& in = inputs_.list[i];
  const journal::Record& rec = journal_.records[in.record];
  fx_.set_now(in.mono);
  if (trace_ != nullptr)
    world_.note("input seq " + std::to_string(in.seq) + ": " + describe_input(journal_, in));
  if (exploring_) note_inject(i);
  switch (in.kind) {
    case InputKind::rpc: {
      const journal::Rpc& rpc = rec.rpc();
      if (!in.method_known) return;  // emberd's server answers these itself
      // The metadata beyond the namespace is not journaled: it only travels
      // on to the shim, whose part replay plays from the journal.
      msg::InboundRpc inbound{in.method,
                              rpc.ns(),
                              rpc.payload(),
                              rpc.timeout_nano(),
                              [this, i](const msg::RpcReply& r) { on_reply(i, r); },
                              {}};
      world_.inject_rpc(std::move(inbound));
      break;
    }
    case InputKind::adopt: {
      const journal::Adopt& a = rec.adopt();
      msg::ShimRecord shim{a.pid(), a.start_time(), a.shim_socket(), a.fccontrol_socket()};
      world_.inject_adopt(msg::VmKey{a.ns(), a.vm_id()}, shim,
                          [this, i](const msg::RpcReply& r) { on_reply(i, r); });
      break;
    }
    case InputKind::completion:
      deliver_completion(in, rec.completion());
      break;
  }
}

void Run::deliver_completion(const Input& in, const journal::Completion& c) {
  Incarnation* inc = fx_.find(in.vm_index, in.ordinal);
  switch (c.event_case()) {
    case journal::Completion::kStarted:
      inc->started = true;
      inc->started_ok = c.started().code() == 0;
      inc->events->started(Status(static_cast<Code>(c.started().code()), c.started().message()),
                           c.started().pid());
      break;
    case journal::Completion::kShimReply: {
      const journal::ShimReply& r = c.shim_reply();
      msg::RpcReply reply{r.code(), r.message(), r.payload()};
      // As ShimHost: a passed-through call is answered before the supervisor hears.
      auto call = inc->calls.find(r.call_id());
      if (call != inc->calls.end() && call->second.answer) call->second.answer->answer(reply);
      inc->events->shim_replied(r.call_id(), std::move(reply));
      break;
    }
    case journal::Completion::kShimExit:
      inc->exited = true;
      inc->events->shim_exited(msg::ShimExit{c.shim_exit().code(), c.shim_exit().signal(),
                                             c.shim_exit().failure_code(),
                                             c.shim_exit().failure()});
      break;
    case journal::Completion::kTimer:
      inc->events->timer_fired(c.timer().token());
      break;
    default:
      break;
  }
}

Run::~Run() {
  closing_ = true;
  world_.close();
}

void Run::on_reply(size_t i, const msg::RpcReply& r) {
  if (closing_) return;
  Answer& a = answers_[i];
  if (++a.count == 1) a.reply = r;
  if (trace_ != nullptr)
    world_.note("  answered " + describe_input(journal_, inputs_.list[i]) + ": " +
                code_and_message(r.code, r.message));
  if (exploring_) check_reply(i, r);
}

void Run::sim(SimResult* out) {
  if (journal_.header.steps())
    follow_steps(out);
  else
    run_to_idle_from(0, out);
  world_.run_until_idle();
  compare_replies(out);
}

void Run::deliver_checked(size_t i, SimResult* out) {
  std::string why;
  if (!caused(i, false, &why)) {
    const Input& in = inputs_.list[i];
    out->divergences.push_back(
        Divergence{in.seq, in.vm, "(completion)", describe_input(journal_, in), why});
    return;
  }
  deliver(i);
  ++out->inputs;
}

void Run::run_to_idle_from(size_t first_input, SimResult* out) {
  for (size_t i = first_input; i < inputs_.list.size(); ++i) {
    if (!kept(i)) continue;
    world_.run_until_idle();
    deliver_checked(i, out);
  }
}

// Inputs go into the mailboxes at their place in the journal; each Step
// lets its actor take the message the recording says it took. A Step that
// cannot be followed (the replay went another way, or records were lost)
// is a divergence, and the rest runs to idle per input.
void Run::follow_steps(SimResult* out) {
  StepNames names;
  const std::vector<size_t>& steps = inputs_.steps;
  size_t i = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    for (; i < inputs_.list.size() && inputs_.list[i].record < steps[s]; ++i) {
      if (!kept(i)) continue;
      deliver_checked(i, out);
      world_.run_stepless();
    }
    const journal::Record& rec = journal_.records[steps[s]];
    const journal::Step& step = rec.step();
    ActorRef actor = names.actor(step);
    fx_.set_now(rec.mono_nanos());
    if (!world_.run_step(actor, names.sender(step), step.kind())) {
      out->divergences.push_back(Divergence{rec.seq(), actor.vm, "(step)", names.describe(step),
                                            "no such message to take"});
      run_to_idle_from(i, out);
      return;
    }
    world_.run_stepless();
  }
  run_to_idle_from(i, out);
}

void Run::compare_replies(SimResult* out) const {
  for (size_t i = 0; i < inputs_.list.size(); ++i) {
    const Input& in = inputs_.list[i];
    // emberd's server answers a method outside the service itself.
    if (in.kind != InputKind::rpc || !kept(i) || !in.method_known) continue;
    const journal::Rpc& rpc = journal_.records[in.record].rpc();
    auto r = inputs_.reply.find(rpc.rpc_id());
    if (r == inputs_.reply.end()) continue;  // the journal ended before its reply
    const journal::Reply& rec = journal_.records[r->second].reply();
    const Answer& a = answers_[i];
    ++out->replies_checked;
    std::string recorded = code_and_message(rec.code(), rec.message());
    std::string replayed;
    if (a.count == 0) {
      replayed = "(no reply)";
    } else if (a.count > 1) {
      replayed = "answered " + std::to_string(a.count) + " times";
    } else if (a.reply.code != rec.code() || a.reply.message != rec.message()) {
      replayed = code_and_message(a.reply.code, a.reply.message);
    } else if (a.reply.payload != rec.payload()) {
      replayed = recorded + " (payload differs: " + std::to_string(a.reply.payload.size()) +
                 " B, recorded " + std::to_string(rec.payload().size()) + " B)";
    } else {
      continue;
    }
    std::string vm = in.vm.empty() ? rpc.ns() + "/?" : in.vm;
    out->divergences.push_back(Divergence{in.seq, vm, rpc.method(), recorded, replayed});
  }
}

}  // namespace ember::replay
