#pragma once
// One replay run: a World, the replay effects, the inputs still to deliver,
// every reply given, and (when exploring) the invariants. sim() delivers in
// the recorded order; explore(seed) lets an RNG pick each next step among
// what the recording allows. CAF-free.
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "replay/inputs.hpp"
#include "replay/replay.hpp"
#include "replay/replay_effects.hpp"
#include "replay/world.hpp"

namespace ember::replay {

struct Failure {
  std::string invariant;
  std::string detail;
};

class Run {
 public:
  // keep: which inputs exist in this run (null: all); trace: null for none.
  Run(const Journal& journal, const Inputs& inputs, const ActorSet* actors, std::string* trace,
      const std::vector<char>* keep);

  // With Step records (Header.steps): every actor takes its messages in the
  // recorded order. Without: the actors run to idle after each input.
  void sim(SimResult* out);
  // The actors end first, while everything their callbacks reach still exists.
  ~Run();
  std::optional<Failure> explore(uint64_t seed);

 private:
  struct Answer {
    int count = 0;
    msg::RpcReply reply;
  };
  // Per VM: calls that make it exist (CreateVM, adopt) open, and whether one
  // of them succeeded since the last StopVM that ended it; for "free".
  struct Hold {
    int open = 0;
    bool live = false;
  };

  bool kept(size_t i) const { return keep_ == nullptr || (*keep_)[i] != 0; }
  // Whether input i's cause was asked for. strict: a shim's exit also needs
  // a reason (StopVM, kill, a failed start), as explore requires.
  bool caused(size_t i, bool strict, std::string* why);
  void deliver(size_t i);
  void deliver_completion(const Input& in, const journal::Completion& c);
  void on_reply(size_t i, const msg::RpcReply& r);
  void compare_replies(SimResult* out) const;
  // sim: delivers input i, or reports why it cannot be.
  void deliver_checked(size_t i, SimResult* out);
  void follow_steps(SimResult* out);
  void run_to_idle_from(size_t first_input, SimResult* out);

  // explore
  void build_queues();
  void candidates(std::vector<size_t>* out);
  void refresh(size_t group);
  void take(size_t i);  // delivered or skipped: off the queues
  bool force_earliest();
  void note_inject(size_t i);
  void check_reply(size_t i, const msg::RpcReply& r);
  void check_step();
  void check_idle();
  void check_end();
  void fail(std::string invariant, std::string detail);

  bool closing_ = false;  // ~Run: answers that still come are ignored
  const Journal& journal_;
  const Inputs& inputs_;
  const std::vector<char>* keep_;
  std::string* trace_;
  ReplayFactory fx_;
  World world_;
  std::vector<Answer> answers_;  // by input index
  bool exploring_ = false;
  std::optional<Failure> failure_;
  // explore
  std::vector<std::deque<size_t>> groups_;  // pending inputs per VM, in order
  std::vector<size_t> group_of_;            // input -> group
  std::deque<size_t> requests_;             // pending rpc/adopt inputs, in order
  std::vector<char> group_ready_;           // the group's head may be delivered now
  std::vector<size_t> dirty_;               // groups whose readiness may have changed
  bool ready_changed_ = true;
  // The registry and supervisors as last compared: unchanged, no new probe.
  uint64_t probed_registry_steps_ = ~uint64_t{0};
  size_t probed_live_ = 0;
  std::vector<char> free_at_inject_;  // CreateVM inputs: the VM was free
  std::vector<Hold> holds_;           // by group
  bool skipped_ = false;              // some input could not be delivered
};

}  // namespace ember::replay
