#include "vm_supervisor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "messages/fccontrol_payloads.hpp"

namespace ember::actors::testing {
namespace {

using namespace msg;

// Sends one request to sup when it runs and records the answer.
template <class... Ts>
AnswerPtr request_from_client(caf::actor_system& sys, supervisor_actor sup, Ts... xs) {
  auto out = std::make_shared<Answer>();
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(sup, caf::infinite, xs...)
        .then(
            [out](RpcReply& r) {
              out->done = true;
              out->reply = std::move(r);
            },
            [out](caf::error& e) {
              out->done = true;
              out->error = std::move(e);
            });
  });
  return out;
}

}  // namespace

std::string stop_payload(uint32_t timeout_seconds) {
  return stop_vm_payload("vm1", timeout_seconds);
}

VmSupervisorTest::VmSupervisorTest() {
  settings.timeouts.stop_vm_seconds = 30;
  settings.timeouts.create_vm_seconds = 60;
  sup = spawn_vm_supervisor(sys, key, ActorDeps{&settings, &effects, &counters});
  auto rec = ending;
  auto target = sup;
  watcher_ = sys.spawn([rec, target](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(target);
    self->set_down_handler([rec](caf::down_msg& dm) {
      rec->ended = true;
      rec->reason = dm.reason;
      rec->names_call = read_vm_end_reason(dm.reason, &rec->method, &rec->outcome);
    });
    return {[](int) {}};
  });
  run();
}

VmSupervisorTest::~VmSupervisorTest() {
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  caf::anon_send_exit(watcher_, caf::exit_reason::kill);
  run();
}

AnswerPtr VmSupervisorTest::call(Method method, std::string payload, int64_t timeout_ms) {
  auto out = request_from_client(sys, sup, call_atom::value,
                                 VmCall{method, std::move(payload), timeout_ms, nullptr, {}});
  run();
  return out;
}

AnswerPtr VmSupervisorTest::call_with_answer(Method method, std::shared_ptr<AnswerOnce> answer) {
  auto out =
      request_from_client(sys, sup, call_atom::value, VmCall{method, {}, 0, std::move(answer), {}});
  run();
  return out;
}

AnswerPtr VmSupervisorTest::adopt(ShimRecord record) {
  auto out = request_from_client(sys, sup, adopt_atom::value, std::move(record));
  run();
  return out;
}

void VmSupervisorTest::detach() {
  caf::anon_send(sup, detach_atom::value);
  run();
}

void VmSupervisorTest::started(Status s, int32_t pid) {
  vm().events->started(std::move(s), pid);
  run();
}

void VmSupervisorTest::shim_reply(uint64_t call_id, Code code, std::string message,
                                  std::string payload) {
  vm().events->shim_replied(
      call_id, RpcReply{static_cast<int32_t>(code), std::move(message), std::move(payload)});
  run();
}

void VmSupervisorTest::shim_exit(int32_t code, int32_t signal) {
  vm().events->shim_exited(ShimExit{code, signal});
  run();
}

void VmSupervisorTest::timer(uint64_t token) {
  vm().events->timer_fired(token);
  run();
}

void VmSupervisorTest::create_running() {
  auto c = call(Method::create_vm, "create");
  started(Status::Ok(), 42);
  shim_reply(vm().last_call(Method::create_vm), Code::ok, "", "created");
  ASSERT_TRUE(c->done);
  ASSERT_EQ(c->reply.code, 0);
}

AnswerPtr VmSupervisorTest::start_stopping(uint32_t timeout_seconds) {
  create_running();
  return call(Method::stop_vm, stop_payload(timeout_seconds));
}

}  // namespace ember::actors::testing
