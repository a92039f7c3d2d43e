#pragma once
// StepNames: turns the actor ids of a journal's Step records (ids in the
// recorded emberd) into the actors replay knows. An actor is named by its
// first Step; the supervisors of one VM are numbered in the order of their
// first Steps, which is the order the registry made them. An id never named
// is the frontend or one of emberd's own callers (start-up adoption,
// shutdown); the message's kind tells which. CAF-free.
#include <cstdint>
#include <map>
#include <string>

#include "journal.pb.h"
#include "replay/world.hpp"

namespace ember::replay {

class StepNames {
 public:
  // The actor taking the message; names it on its first Step.
  ActorRef actor(const journal::Step& s);
  ActorRef sender(const journal::Step& s) const;
  // "vm default/c3#2 takes shimexit from input" for tables and traces.
  std::string describe(const journal::Step& s) const;

  static std::string name(const ActorRef& ref);
  // A leading atom's text ("call", "shimreply"); "-" for none.
  static std::string kind_text(uint64_t kind);

 private:
  std::map<uint64_t, ActorRef> known_;      // recorded actor id -> actor
  std::map<std::string, uint32_t> per_vm_;  // supervisors named so far, per VM
};

}  // namespace ember::replay
