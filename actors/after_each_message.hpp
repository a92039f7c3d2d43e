#pragma once
// AfterEachMessage<Base>: an actor type that runs a callback after each
// message it handled, told whether the actor has just ended (quit). CAF
// finalizes an actor only after consume() returns, so the callback still sees
// the actor's state then. Actor translation units only.
#include <caf/abstract_actor.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>

#include <functional>

namespace ember::actors {

template <class Base>
class AfterEachMessage : public Base {
 public:
  using Base::Base;

  void after_each_message(std::function<void(bool ended)> fn) { after_ = std::move(fn); }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    caf::invoke_message_result r = Base::consume(x);
    // quit() marks the actor as shutting down; it is finalized only later.
    if (after_)
      after_(this->getf(caf::abstract_actor::is_shutting_down_flag |
                        caf::abstract_actor::is_terminated_flag));
    return r;
  }

 private:
  std::function<void(bool)> after_;
};

}  // namespace ember::actors
