// One explore run: at every step a seeded RNG picks among the ready actors
// and the inputs the recording allows next. Allowed: RPCs and adoptions in
// their recorded order; each VM's inputs in their recorded order; a
// completion once the effect that causes it was asked. So an input may be
// injected before the actors are idle, and one VM's completions may come
// later than recorded relative to other VMs' inputs.
#include <map>

#include "replay/run.hpp"

namespace ember::replay {

void Run::build_queues() {
  std::map<std::string, size_t> index;
  group_of_.assign(inputs_.list.size(), 0);
  for (size_t i = 0; i < inputs_.list.size(); ++i) {
    if (!kept(i)) continue;
    const Input& in = inputs_.list[i];
    auto [it, fresh] = index.emplace(in.vm, groups_.size());
    if (fresh) groups_.emplace_back();
    groups_[it->second].push_back(i);
    group_of_[i] = it->second;
    if (in.kind != InputKind::completion) requests_.push_back(i);
  }
  holds_.assign(groups_.size(), Hold{});
  free_at_inject_.assign(inputs_.list.size(), 0);
}

void Run::candidates(std::vector<size_t>* out) {
  out->clear();
  std::string why;
  for (auto& g : groups_) {
    if (g.empty()) continue;
    size_t head = g.front();
    if (inputs_.list[head].kind == InputKind::completion) {
      if (caused(head, true, &why)) out->push_back(head);
    } else if (!requests_.empty() && requests_.front() == head) {
      out->push_back(head);
    }
  }
}

void Run::take(size_t i) {
  auto& g = groups_[group_of_[i]];
  if (!g.empty() && g.front() == i) g.pop_front();
  if (!requests_.empty() && requests_.front() == i) requests_.pop_front();
}

// Nothing can run and no input is allowed: the schedule left the recording
// (an effect it needs was never asked). Deliver the earliest pending input if
// its cause was asked at all, else drop it.
bool Run::force_earliest() {
  size_t best = inputs_.list.size();
  for (auto& g : groups_)
    if (!g.empty() && g.front() < best) best = g.front();
  if (best == inputs_.list.size()) return false;
  std::string why;
  bool can = caused(best, false, &why);
  if (can && inputs_.list[best].kind != InputKind::completion && requests_.front() != best)
    best = requests_.front();  // requests keep their order
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
