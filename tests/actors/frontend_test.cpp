// The frontend -> registry path with real parts at the edge: a ttrpc client
// calls a ttrpc server on a unix socket; the server hands each request to the
// test thread, which passes it to the frontend as the I/O thread would. The
// actors still run only when the test runs them, so every order is fixed.
#include "registry_fixture.hpp"  // first

#include <stdlib.h>
#include <unistd.h>

#include <caf/send.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "actors/control_plane.hpp"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace ember::actors::testing {
namespace {

using msg::Method;
using namespace std::chrono_literals;

// Generous: the loop thread may be slow on a loaded machine; only a hang trips it.
constexpr auto kIoWait = 60s;

std::string create_payload(const std::string& id) {
  CreateVMRequest req;
  req.set_vmid(id);
  return req.SerializeAsString();
}

std::string info_payload(const std::string& id) {
  GetVMInfoRequest req;
  req.set_vmid(id);
  return req.SerializeAsString();
}

// One call in flight: the client's view and the server's.
struct Pending {
  std::future<ttrpc::CallResult> result;  // completes when the client has the reply
  ttrpc::Responder responder;             // a copy of the one the frontend got
};

class FrontendTest : public RegistryTest {
 protected:
  FrontendTest() {
    char tmpl[] = "/tmp/ember-actors-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir_ = tmpl;
    loop_.start_thread();
    server_ = std::make_unique<ttrpc::Server>(loop_);
    for (int i = 0; i < msg::kMethodCount; ++i) {
      auto method = static_cast<Method>(i);
      server_->add_method(msg::kFirecrackerService, msg::method_name(method),
                          [this, method](ttrpc::Request req, ttrpc::Responder r) {
                            std::lock_guard<std::mutex> lock(mu_);
                            inbox_.push_back(Inbound{inbound_rpc(method, std::move(req), r), r});
                            cv_.notify_all();
                          });
    }
    Status s = server_->listen(dir_ + "/fccontrol.sock");
    EXPECT_TRUE(s.ok()) << s.ToString();
    client_ = ttrpc::Client::connect(loop_, dir_ + "/fccontrol.sock", &s);
    EXPECT_TRUE(client_) << s.ToString();
    settings.timeouts.call_seconds = 7;
    frontend = spawn_frontend(sys, registry, ActorDeps{&settings, nullptr});
    sched.run();
  }

  ~FrontendTest() override {
    // No actor may keep a Responder once the loop is gone.
    caf::anon_send_exit(frontend, caf::exit_reason::kill);
    sched.run();
    {
      std::lock_guard<std::mutex> lock(mu_);
      inbox_.clear();
    }
    if (client_) client_->close();
    client_.reset();
    std::promise<void> gone;
    loop_.post([&] {
      server_.reset();  // on the loop thread, as Server requires
      gone.set_value();
    });
    gone.get_future().wait();
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }

  // Sends one fccontrol call over the socket and gives the request the server
  // decoded to the frontend. ns "" sends no namespace metadata.
  Pending call(Method method, std::string payload, std::string ns,
               std::chrono::nanoseconds timeout = 0ns) {
    auto done = std::make_shared<std::promise<ttrpc::CallResult>>();
    Pending p{done->get_future(), {}};
    ttrpc::CallOptions opts;
    opts.timeout = timeout;
    if (!ns.empty()) opts.metadata = {{ttrpc::kNamespaceKey, ns}};
    if (!client_) return p;
    client_->call(msg::kFirecrackerService, msg::method_name(method), std::move(payload),
                  std::move(opts), [done](ttrpc::CallResult r) { done->set_value(std::move(r)); });
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, kIoWait, [&] { return !inbox_.empty(); })) {
      ADD_FAILURE() << "the server did not receive the call";
      return p;
    }
    Inbound in = std::move(inbox_.front());
    inbox_.pop_front();
    lock.unlock();
    p.responder = in.responder;
    caf::anon_send(frontend, msg::rpc_atom::value, std::move(in.rpc));
    return p;
  }

  // The client's result, once the frontend's reply crossed the socket.
  static ttrpc::CallResult result_of(Pending& p) {
    if (!p.result.valid() || p.result.wait_for(kIoWait) != std::future_status::ready) {
      ADD_FAILURE() << "no reply reached the client";
      return {Status::Unknown("no reply"), {}};
    }
    return p.result.get();
  }

  // No reply was sent for p (the actors have run, so none is coming).
  static bool unanswered(const Pending& p) { return !p.responder.done(); }

  msg::frontend_actor frontend;

 private:
  std::string dir_;
  io::EventLoop loop_;
  std::unique_ptr<ttrpc::Server> server_;
  std::shared_ptr<ttrpc::Client> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Inbound {
    msg::InboundRpc rpc;
    ttrpc::Responder responder;  // what rpc.reply completes
  };
  std::deque<Inbound> inbox_;  // guarded by mu_
};

// Note: these tests use sched.run(), never run(): run() would also fire the
// frontend's request timers.

TEST_F(FrontendTest, CreateVmReachesANewSupervisorAndItsReplyReachesTheClient) {
  auto f = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_EQ(fakes[0].key, key_of("ns1", "vm1"));
  ASSERT_EQ(fakes[0].log->calls.size(), 1u);
  const auto& got = fakes[0].log->calls[0];
  EXPECT_EQ(got.method, Method::create_vm);
  EXPECT_EQ(got.payload, create_payload("vm1"));  // forwarded as the client sent it
  EXPECT_EQ(got.timeout_ms, 0);                   // the client set no deadline
  EXPECT_TRUE(unanswered(f));

  reply(0, 0, make_reply(Code::ok, "", "created"));
  sched.run();
  auto r = result_of(f);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.payload, "created");
}

TEST_F(FrontendTest, SupervisorErrorReachesTheClientWithItsCodeAndMessage) {
  auto create = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  ASSERT_TRUE(result_of(create).status.ok());

  auto stop = call(Method::stop_vm, "", "ns1");  // an empty StopVMRequest: VMID ""
  sched.run();
  auto r = result_of(stop);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message(), "VM id must not be empty");

  StopVMRequest req;
  req.set_vmid("vm1");
  stop = call(Method::stop_vm, req.SerializeAsString(), "ns1");
  sched.run();
  reply(0, 1, make_reply(Code::failed_precondition, "VM vm1 is stopping"));
  sched.run();
  r = result_of(stop);
  EXPECT_EQ(r.status.code(), Code::failed_precondition);
  EXPECT_EQ(r.status.message(), "VM vm1 is stopping");
}

TEST_F(FrontendTest, CallerDeadlineIsPassedToTheSupervisorInMilliseconds) {
  auto f = call(Method::create_vm, create_payload("vm1"), "ns1", 600s);
  sched.run();
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_EQ(fakes[0].log->calls.at(0).timeout_ms, 600000);
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  EXPECT_TRUE(result_of(f).status.ok());
}

TEST_F(FrontendTest, MissingNamespaceIsFailedPreconditionAndReachesNoActor) {
  auto f = call(Method::create_vm, create_payload("vm1"), "");
  sched.run();
  auto r = result_of(f);
  EXPECT_EQ(r.status.code(), Code::failed_precondition);
  EXPECT_EQ(r.status.message(),
            "namespace is required: set ttrpc metadata containerd-namespace-ttrpc");
  EXPECT_TRUE(fakes.empty());
}

TEST_F(FrontendTest, InvalidNamespaceOrVmIdIsInvalidArgumentAndReachesNoActor) {
  auto bad_ns = call(Method::create_vm, create_payload("vm1"), "-ns");
  sched.run();
  auto r = result_of(bad_ns);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message(), "namespace \"-ns\": must start with a letter or digit");

  auto bad_id = call(Method::create_vm, create_payload("vm/1"), "ns1");
  sched.run();
  r = result_of(bad_id);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message().rfind("VM id \"vm/1\": character \"/\" at offset 2", 0), 0u)
      << r.status.message();
  EXPECT_TRUE(fakes.empty());
}

TEST_F(FrontendTest, UndecodablePayloadIsInvalidArgument) {
  auto f = call(Method::create_vm, "\xff\xff\xff", "ns1");
  sched.run();
  auto r = result_of(f);
  EXPECT_EQ(r.status.code(), Code::invalid_argument);
  EXPECT_EQ(r.status.message(), "cannot decode CreateVMRequest");
  EXPECT_TRUE(fakes.empty());
}

TEST_F(FrontendTest, UnknownVmIsNotFoundFromTheRegistry) {
  auto f = call(Method::get_vm_info, info_payload("vm9"), "ns1");
  sched.run();
  auto r = result_of(f);
  EXPECT_EQ(r.status.code(), Code::not_found);
  EXPECT_EQ(r.status.message(), "VM vm9 not found in namespace ns1");
}

TEST_F(FrontendTest, SecondCreateVmIsAlreadyExistsWhileTheFirstWaits) {
  auto first = call(Method::create_vm, create_payload("vm1"), "ns1");
  auto second = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  auto r = result_of(second);
  EXPECT_EQ(r.status.code(), Code::already_exists);
  EXPECT_EQ(r.status.message(), "VM vm1 already exists in namespace ns1");
  EXPECT_TRUE(unanswered(first));
  EXPECT_EQ(fakes.size(), 1u);
}

TEST_F(FrontendTest, CallerDeadlineIsEnforcedByTheServerNotByAFrontendTimer) {
  // The frontend keeps no timer per call (it would hold memory until the
  // deadline); the ttrpc server answers DEADLINE_EXCEEDED at the deadline.
  auto f = call(Method::create_vm, create_payload("vm1"), "ns1", 300ms);
  sched.run();
  ASSERT_EQ(fakes.size(), 1u);
  EXPECT_FALSE(sched.has_pending_timeout());
  auto r = result_of(f);
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded) << r.status.ToString();

  // The supervisor's late reply goes nowhere.
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
}

TEST_F(FrontendTest, CallWithoutDeadlineIsStillBounded) {
  // Replaces CallWithoutDeadlineWaitsForItsAnswer: a call without a deadline
  // (timeout_nano 0) gets timeouts.call_seconds, carried to the shim call like
  // a caller's deadline, so a hung shim cannot hold it forever. Still no
  // frontend timer.
  auto create = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  ASSERT_TRUE(result_of(create).status.ok());

  auto f = call(Method::get_vm_info, info_payload("vm1"), "ns1");
  sched.run();
  EXPECT_FALSE(sched.has_pending_timeout());
  ASSERT_EQ(fakes[0].log->calls.size(), 2u);
  EXPECT_EQ(fakes[0].log->calls[0].timeout_ms, 0);  // CreateVM: timeouts.create_vm_seconds
  EXPECT_EQ(fakes[0].log->calls[1].timeout_ms, 7000);
  EXPECT_TRUE(unanswered(f));
  reply(0, 1, make_reply(Code::deadline_exceeded, "VM vm1: deadline exceeded"));
  sched.run();
  EXPECT_EQ(result_of(f).status.code(), Code::deadline_exceeded);
}

TEST_F(FrontendTest, CallerDeadlineWinsOverTheDefault) {
  auto create = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  ASSERT_TRUE(result_of(create).status.ok());
  auto f = call(Method::get_vm_info, info_payload("vm1"), "ns1", 60s);
  sched.run();
  ASSERT_EQ(fakes[0].log->calls.size(), 2u);
  EXPECT_EQ(fakes[0].log->calls[1].timeout_ms, 60000);
  reply(0, 1, make_reply(Code::ok, ""));
  sched.run();
  EXPECT_TRUE(result_of(f).status.ok());
}

TEST_F(FrontendTest, DelegatedCallToASupervisorThatDiedIsNotFound) {
  auto create = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  ASSERT_TRUE(result_of(create).status.ok());

  auto f = call(Method::get_vm_info, info_payload("vm1"), "ns1");
  expect((msg::rpc_atom, msg::InboundRpc), from(_).to(frontend));
  expect((msg::call_atom, msg::VmKey, msg::VmCall), from(frontend).to(registry));
  kill_fake(0);  // with the delegated call still in its mailbox
  sched.run();
  auto r = result_of(f);
  EXPECT_EQ(r.status.code(), Code::not_found);
  EXPECT_EQ(r.status.message(), "VM vm1 not found in namespace ns1");
}

TEST_F(FrontendTest, DelegatedCallIsAnsweredByTheSupervisor) {
  auto create = call(Method::create_vm, create_payload("vm1"), "ns1");
  sched.run();
  reply(0, 0, make_reply(Code::ok, ""));
  sched.run();
  ASSERT_TRUE(result_of(create).status.ok());

  auto f = call(Method::get_vm_info, info_payload("vm1"), "ns1");
  sched.run();
  ASSERT_EQ(methods_of(0), (std::vector<Method>{Method::create_vm, Method::get_vm_info}));
  reply(0, 1, make_reply(Code::ok, "", "info"));
  sched.run();
  auto r = result_of(f);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.payload, "info");
}

}  // namespace
}  // namespace ember::actors::testing
