#include "replay/step_names.hpp"

namespace ember::replay {

ActorRef StepNames::actor(const journal::Step& s) {
  auto i = known_.find(s.actor());
  if (i != known_.end()) return i->second;
  ActorRef ref;
  switch (s.role()) {
    case journal::Step::REGISTRY:
      ref.kind = ActorRef::Kind::registry;
      break;
    case journal::Step::VM:
      ref.kind = ActorRef::Kind::vm;
      ref.vm = s.ns() + "/" + s.vm_id();
      ref.ordinal = ++per_vm_[ref.vm];
      break;
    default:
      return ref;  // kind none: no actor takes this step
  }
  known_.emplace(s.actor(), ref);
  return ref;
}

ActorRef StepNames::sender(const journal::Step& s) const {
  if (s.sender() == 0) return ActorRef{};
  auto i = known_.find(s.sender());
  if (i != known_.end()) return i->second;
  ActorRef ref;
  ref.kind = ActorRef::Kind::unnamed;
  return ref;
}

std::string StepNames::describe(const journal::Step& s) const {
  auto i = known_.find(s.actor());
  std::string who = i != known_.end() ? name(i->second) : "actor " + std::to_string(s.actor());
  return who + " takes " + kind_text(s.kind()) + " from " + name(sender(s));
}

std::string StepNames::name(const ActorRef& ref) {
  switch (ref.kind) {
    case ActorRef::Kind::none:
      return "input";
    case ActorRef::Kind::unnamed:
      return "frontend or emberd";
    case ActorRef::Kind::registry:
      return "registry";
    case ActorRef::Kind::vm:
      break;
  }
  return "vm " + ref.vm + "#" + std::to_string(ref.ordinal);
}

std::string StepNames::kind_text(uint64_t kind) {
  // CAF 0.17 packs an atom as 6-bit codes after a 0xF marker, first
  // character highest (caf/detail/atom_val.hpp); a 10-character atom has
  // the marker in the top four bits.
  static const char kChars[] = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  std::string out;
  bool started = (kind >> 60) == 0xF;
  for (int shift = 54; shift >= 0; shift -= 6) {
    const uint64_t code = (kind >> shift) & 0x3F;
    if (started)
      out += kChars[code];
    else
      started = code == 0xF;
  }
  return out.empty() ? "-" : out;
}

}  // namespace ember::replay
