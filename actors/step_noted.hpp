#pragma once
// StepNoted<Base>: an actor type that reports each message to a StepSink
// (messages/vm_effects.hpp) just before handling it, so a journal holds the
// order in which every actor took its messages (docs/replay.md, "Steps").
// Without a sink it costs one branch per message. Actor translation units only.
#include <caf/atom.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/system_messages.hpp>
#include <caf/type_erased_tuple.hpp>

#include "messages/vm_effects.hpp"

namespace ember::actors {

// The kinds of CAF's system messages, which lead with no atom.
constexpr uint64_t kDownKind = static_cast<uint64_t>(caf::atom("down"));
constexpr uint64_t kExitKind = static_cast<uint64_t>(caf::atom("exit"));

// A message's kind as a Step records it: its leading atom, kDownKind or
// kExitKind for CAF's system messages, 0 for anything else. Replay matches
// mailbox elements by the same function.
inline uint64_t step_kind(const caf::mailbox_element& x) {
  const caf::type_erased_tuple& m = x.content();
  if (!m.empty() && m.match_element<caf::atom_value>(0))
    return static_cast<uint64_t>(m.get_as<caf::atom_value>(0));
  if (m.match_elements<caf::down_msg>()) return kDownKind;
  if (m.match_elements<caf::exit_msg>()) return kExitKind;
  return 0;
}

template <class Base>
class StepNoted : public Base {
 public:
  using Base::Base;

  // Starts the reports; key (role vm) must outlive the actor's last message.
  void note_steps(msg::StepSink* sink, msg::StepSink::Role role, const msg::VmKey* key = nullptr) {
    sink_ = sink;
    role_ = role;
    key_ = key;
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    if (sink_ != nullptr) note(x);
    return Base::consume(x);
  }

 private:
  void note(const caf::mailbox_element& x) {
    msg::StepSink::Step s;
    s.actor = this->id();
    s.sender = x.sender ? x.sender->id() : 0;
    s.kind = step_kind(x);
    s.role = role_;
    s.key = key_;
    sink_->step(s);
  }

  msg::StepSink* sink_ = nullptr;
  msg::StepSink::Role role_ = msg::StepSink::Role::registry;
  const msg::VmKey* key_ = nullptr;
};

}  // namespace ember::actors
