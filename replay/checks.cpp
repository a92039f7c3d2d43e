// The invariants explore checks (docs/replay.md): each RPC answered exactly
// once; at most one live supervisor per VM and as many registry entries as
// live supervisors; StopVM answered only after its shim's exit; no
// ALREADY_EXISTS for a VM that was free; nothing answered OK after its
// deadline (simulated time: the recorded time of the input being delivered).
#include "replay/run.hpp"

namespace ember::replay {
namespace {

bool makes_vm(const Input& in) {
  return in.kind == InputKind::adopt ||
         (in.kind == InputKind::rpc && in.method_known && in.method == msg::Method::create_vm);
}

}  // namespace

void Run::fail(std::string invariant, std::string detail) {
  if (failure_) return;
  failure_ = Failure{std::move(invariant), std::move(detail)};
  if (trace_ != nullptr) world_.note("VIOLATION " + failure_->invariant + ": " + failure_->detail);
}

void Run::note_inject(size_t i) {
  const Input& in = inputs_.list[i];
  if (!makes_vm(in)) return;
  Hold& hold = holds_[group_of_[i]];
  free_at_inject_[i] = hold.open == 0 && !hold.live;
  ++hold.open;
}

void Run::check_reply(size_t i, const msg::RpcReply& r) {
  const Input& in = inputs_.list[i];
  auto what = [&] { return describe_input(journal_, in); };
  if (answers_[i].count > 1)
    return fail("answered-once",
                what() + " answered again: " + code_and_message(r.code, r.message));
  Hold& hold = holds_[group_of_[i]];
  auto code = static_cast<Code>(r.code);
  if (makes_vm(in)) {
    --hold.open;
    // A failed adoption leaves its supervisor to end later: count it held.
    if (code == Code::ok || in.kind == InputKind::adopt) hold.live = true;
    if (code == Code::already_exists && free_at_inject_[i])
      return fail("no-already-exists-when-free",
                  what() + " answered ALREADY_EXISTS although " + in.vm + " was free");
  }
  if (in.kind == InputKind::rpc && in.method == msg::Method::stop_vm &&
      (code == Code::ok || code == Code::internal)) {
    Incarnation* inc = fx_.latest(in.vm_index);
    while (inc != nullptr && !inc->stop_asked && inc->ordinal > 1)
      inc = fx_.find(in.vm_index, inc->ordinal - 1);
    if (inc == nullptr || !inc->stop_asked || !inc->exited)
      return fail("stop-after-exit", what() + " answered " + code_name(code) +
                                         " before its shim's exit was delivered");
  }
  if (in.kind == InputKind::rpc && in.method == msg::Method::stop_vm &&
      (code == Code::ok || code == Code::internal || code == Code::not_found))
    hold.live = false;
  if (in.kind == InputKind::rpc && code == Code::ok) {
    int64_t timeout = journal_.records[in.record].rpc().timeout_nano();
    if (timeout > 0 && fx_.now_nanos() > in.mono + timeout)
      return fail("ok-after-deadline", what() + " answered OK at " +
                                           std::to_string(fx_.now_nanos()) + " ns, deadline " +
                                           std::to_string(in.mono + timeout) + " ns");
  }
}

void Run::check_step() {
  if (!fx_.doubled_vm().empty())
    fail("one-supervisor-per-vm", "two supervisors of " + fx_.doubled_vm() + " live at once");
}

void Run::check_idle() {
  if (world_.registry_steps() == probed_registry_steps_ && fx_.live_total() == probed_live_) return;
  uint32_t entries = world_.registry_entries();
  probed_registry_steps_ = world_.registry_steps();
  probed_live_ = fx_.live_total();
  if (entries != fx_.live_total())
    fail("registry-matches-supervisors", "the registry holds " + std::to_string(entries) +
                                             " VMs while " + std::to_string(fx_.live_total()) +
                                             " supervisors live");
}

void Run::check_end() {
  if (skipped_) return;  // the schedule left the recording: replies may be missing
  for (size_t i = 0; i < inputs_.list.size(); ++i) {
    const Input& in = inputs_.list[i];
    if (in.kind != InputKind::rpc || !kept(i) || !in.method_known || answers_[i].count != 0)
      continue;
    if (inputs_.reply.count(journal_.records[in.record].rpc().rpc_id()) == 0) continue;
    fail("answered-once", describe_input(journal_, in) + " was never answered");
    return;
  }
}

}  // namespace ember::replay
