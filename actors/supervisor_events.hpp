#pragma once
// SupervisorEvents: a VM's effects report their completions through it, and
// it turns each into a message to the VM's supervisor. Included only by
// actors/vm_supervisor.cpp.
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <utility>

#include "messages/vm_effects.hpp"
#include "messages/vm_protocol.hpp"

namespace ember::actors {

// Completions of the effects become messages to the supervisor. Holds a weak
// reference: pending effects never keep a finished supervisor alive.
class SupervisorEvents final : public msg::VmEvents {
 public:
  // inventory (optional) hears what the shim reports of its VM directly:
  // it decides nothing for the supervisor.
  explicit SupervisorEvents(caf::actor_addr self, msg::InventorySink* inventory = nullptr,
                            msg::VmKey key = {})
      : self_(std::move(self)), inventory_(inventory), key_(std::move(key)) {}
  void started(Status s, int32_t pid) override {
    send(msg::started_atom::value, msg::reply_of(s), pid);
  }
  void shim_replied(uint64_t id, msg::RpcReply r) override {
    send(msg::shim_reply_atom::value, id, std::move(r));
  }
  void shim_exited(msg::ShimExit e) override { send(msg::shim_exit_atom::value, e); }
  void timer_fired(uint64_t token) override { send(msg::timer_atom::value, token); }
  void guest_status(msg::GuestStatus status) override {
    if (inventory_ != nullptr) inventory_->guest(key_, status);
  }

 private:
  template <class... Ts>
  void send(Ts&&... xs) {
    if (auto hdl = caf::actor_cast<msg::supervisor_actor>(self_))
      caf::anon_send(hdl, std::forward<Ts>(xs)...);
  }
  caf::actor_addr self_;
  msg::InventorySink* inventory_;
  msg::VmKey key_;
};

}  // namespace ember::actors
