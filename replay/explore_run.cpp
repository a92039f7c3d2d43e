// One explore run: at every step a seeded RNG picks among the ready actors
// and the inputs the recording allows next. Allowed: RPCs and adoptions in
// their recorded order; each VM's inputs in their recorded order; a
// completion once the effect that causes it was asked. So an input may be
// injected before the actors are idle, and one VM's completions may come
// later than recorded relative to other VMs' inputs.
#include "replay/run.hpp"

namespace ember::replay {

void Run::build_queues() {
  groups_.assign(inputs_.vms.size(), {});
  group_of_.assign(inputs_.list.size(), 0);
  for (size_t i = 0; i < inputs_.list.size(); ++i) {
    const Input& in = inputs_.list[i];
    if (!kept(i)) {
      // Shrinking dropped a completion: its call may stay unanswered.
      if (in.kind == InputKind::completion) skipped_ = true;
      continue;
    }
    groups_[in.vm_index].push_back(i);
    group_of_[i] = in.vm_index;
    if (in.kind != InputKind::completion) requests_.push_back(i);
  }
  holds_.assign(groups_.size(), Hold{});
  group_ready_.assign(groups_.size(), 0);
  for (size_t g = 0; g < groups_.size(); ++g)
    dirty_.push_back(g);
  free_at_inject_.assign(inputs_.list.size(), 0);
}

// A group's readiness changes only when its head, the head of the requests
// or its VM's effects change: only those groups are looked at again.
void Run::refresh(size_t group) {
  const auto& g = groups_[group];
  bool ready = false;
  if (!g.empty()) {
    size_t head = g.front();
    if (inputs_.list[head].kind == InputKind::completion)
      ready = caused(head, true, nullptr);
    else
      ready = !requests_.empty() && requests_.front() == head;
  }
  if (group_ready_[group] != ready) ready_changed_ = true;
  group_ready_[group] = ready;
}

void Run::candidates(std::vector<size_t>* out) {
  fx_.take_touched(&dirty_);
  for (size_t g : dirty_)
    if (g < groups_.size()) refresh(g);
  dirty_.clear();
  if (!ready_changed_) return;
  ready_changed_ = false;
  out->clear();
  for (size_t g = 0; g < groups_.size(); ++g)
    if (group_ready_[g]) out->push_back(groups_[g].front());
}

void Run::take(size_t i) {
  ready_changed_ = true;  // i's group head changes
  auto& g = groups_[group_of_[i]];
  if (!g.empty() && g.front() == i) g.pop_front();
  if (!requests_.empty() && requests_.front() == i) {
    requests_.pop_front();
    if (!requests_.empty()) dirty_.push_back(group_of_[requests_.front()]);
  }
  dirty_.push_back(group_of_[i]);
}

// Nothing can run and no input is allowed: the schedule left the recording
// (an effect it needs was never asked). Deliver the earliest pending input if
// its cause was asked at all, else drop it.
bool Run::force_earliest() {
  size_t best = inputs_.list.size();
  for (auto& g : groups_)
    if (!g.empty() && g.front() < best) best = g.front();
  if (best == inputs_.list.size()) return false;
  // A request here is the first request too: any earlier one would be (or
  // sit behind) an earlier group head.
  std::string why;
  bool can = caused(best, false, &why);
  take(best);
  if (can) {
    deliver(best);
  } else {
    skipped_ = true;
    if (trace_ != nullptr)
      world_.note("skipped seq " + std::to_string(inputs_.list[best].seq) + ": " + why);
  }
  return true;
}

std::optional<Failure> Run::explore(uint64_t seed) {
  exploring_ = true;
  build_queues();
  std::mt19937_64 rng(seed);
  std::vector<size_t> ready_inputs;
  while (!failure_) {
    size_t actors = world_.ready();
    candidates(&ready_inputs);
    size_t choices = actors + ready_inputs.size();
    if (choices == 0) {
      if (!force_earliest()) break;
    } else {
      size_t pick = static_cast<size_t>(rng() % choices);
      if (pick < actors) {
        world_.run_one(pick);
      } else {
        size_t i = ready_inputs[pick - actors];
        take(i);
        deliver(i);
      }
    }
    if (!failure_) check_step();
    if (!failure_ && world_.ready() == 0) check_idle();
  }
  if (!failure_) check_end();
  return failure_;
}

}  // namespace ember::replay
