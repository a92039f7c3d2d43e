// FcControlService in-process, on a real ttrpc server and client, with a
// backend whose create and stop complete only when the test says so: covers
// the phases a hollow VM passes too quickly to observe.
#include "shim/fccontrol_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "fccontrol.pb.h"
#include "io/event_loop.hpp"
#include "shim/create_request.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shim {
namespace {

constexpr std::chrono::seconds kWait{60};

// What the test controls of the backend; touched on the loop thread only.
struct Script {
  Vmm::Done pending_create;
  Vmm::Done pending_stop;
  std::promise<void> create_seen;  // re-armed by the test before each create
  std::promise<void> stop_seen;
  Status pause_result;
  Vmm* vmm = nullptr;
};

class ScriptedVmm : public Vmm {
 public:
  ScriptedVmm(io::EventLoop& loop, std::shared_ptr<Script> script)
      : loop_(loop), script_(std::move(script)) {
    script_->vmm = this;
  }
  ~ScriptedVmm() override { script_->vmm = nullptr; }
  void create(const VmSpec&, Done done) override {
    script_->pending_create = std::move(done);
    script_->create_seen.set_value();
  }
  void pause(Done done) override { complete(std::move(done), script_->pause_result); }
  void resume(Done done) override { complete(std::move(done), Status::Ok()); }
  void stop(std::chrono::seconds, Done done) override {
    script_->pending_stop = std::move(done);
    script_->stop_seen.set_value();
  }
  void update_balloon(int64_t, Done done) override { complete(std::move(done), Status::Ok()); }
  void balloon_stats(StatsDone done) override {
    loop_.post([done] { done(Status::Ok(), BalloonStats{}); });
  }
  void update_balloon_stats_interval(int64_t, Done done) override {
    complete(std::move(done), Status::Ok());
  }
  void exit_by_itself(Status why) { notify_exit(std::move(why)); }

 private:
  void complete(Done done, Status s) {
    loop_.post([done = std::move(done), s] { done(s); });
  }
  io::EventLoop& loop_;
  std::shared_ptr<Script> script_;
};

class FcControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VmIdentity vm;
    vm.ns = "ns1";
    vm.id = "vm1";
    vm.dir = tree_.path();
    vm.vmm_socket_path = tree_.path() + "/firecracker.sock";
    auto script = script_;
    VmmFactory factory = [script](const VmmContext& ctx, std::unique_ptr<Vmm>* out) {
      *out = std::make_unique<ScriptedVmm>(ctx.loop, script);
      return Status::Ok();
    };
    service_ = std::make_unique<FcControlService>(
        loop_, cfg_, vm, factory,
        [this](int code) {
          // The first request counts, as in run_shim.
          if (!exit_requested_) exits_.set_value(code);
          exit_requested_ = true;
        },
        [this](VmEvent e) { events_.push_back(e); });
    server_ = std::make_unique<ttrpc::Server>(loop_);
    service_->register_methods(*server_);
    ASSERT_TRUE(server_->listen(tree_.path() + "/fcc.sock").ok());
    loop_.start_thread();
    Status s;
    client_ = ttrpc::Client::connect(loop_, tree_.path() + "/fcc.sock", &s);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    client_->close();
    on_loop([this] {
      server_.reset();
      service_.reset();
    });
  }

  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(kWait), std::future_status::ready);
  }

  // Sends a call; its status arrives through the returned future.
  std::future<Status> send(const std::string& method, const google::protobuf::MessageLite& req) {
    auto result = std::make_shared<std::promise<Status>>();
    auto f = result->get_future();
    client_->call(msg::kFirecrackerService, method, req.SerializeAsString(), {},
                  [result](ttrpc::CallResult r) { result->set_value(r.status); });
    return f;
  }
  Status wait(std::future<Status>& f) {
    if (f.wait_for(kWait) != std::future_status::ready) return Status::DeadlineExceeded("no reply");
    return f.get();
  }
  template <class Req>
  Status call(const std::string& method) {
    Req req;
    req.set_vmid("vm1");
    auto f = send(method, req);
    return wait(f);
  }
  // Runs a pending backend completion (moved out first: it may replace it).
  void finish(Vmm::Done Script::*which, Status s) {
    on_loop([this, which, s] {
      Vmm::Done done = std::move((*script_).*which);
      ASSERT_TRUE(done) << "nothing pending";
      done(s);
    });
  }
  // Sends CreateVM and returns once the backend holds it.
  std::future<Status> start_create() {
    std::future<void> seen;
    on_loop([&] {
      script_->create_seen = std::promise<void>();
      seen = script_->create_seen.get_future();
    });
    CreateVMRequest req;
    req.set_vmid("vm1");
    auto f = send("CreateVM", req);
    EXPECT_EQ(seen.wait_for(kWait), std::future_status::ready);
    return f;
  }
  Status create_now() {
    auto f = start_create();
    finish(&Script::pending_create, Status::Ok());
    return wait(f);
  }
  bool exited() {
    return exits_future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  std::vector<VmEvent> events() {
    std::vector<VmEvent> copy;
    on_loop([&] { copy = events_; });
    return copy;
  }

  shimtest::TempTree tree_;
  config::Config cfg_;
  io::EventLoop loop_;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  bool exit_requested_ = false;  // loop thread
  std::vector<VmEvent> events_;  // loop thread
  std::promise<int> exits_;
  std::future<int> exits_future_ = exits_.get_future();
  std::unique_ptr<FcControlService> service_;
  std::unique_ptr<ttrpc::Server> server_;
  std::shared_ptr<ttrpc::Client> client_;
};

TEST_F(FcControlServiceTest, CallsWhileCreatingAreRefusedUntilTheBackendFinishes) {
  auto create = start_create();
  Status s = call<GetVMInfoRequest>("GetVMInfo");
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_EQ(s.message(), "VM vm1 is still being created");
  EXPECT_EQ(call<StopVMRequest>("StopVM").code(), Code::failed_precondition);
  s = call<CreateVMRequest>("CreateVM");
  EXPECT_EQ(s.code(), Code::already_exists);
  EXPECT_EQ(s.message(), "VM vm1 already exists");

  finish(&Script::pending_create, Status::Ok());
  EXPECT_TRUE(wait(create).ok());
  EXPECT_TRUE(call<GetVMInfoRequest>("GetVMInfo").ok());
}

TEST_F(FcControlServiceTest, AVmLargerThanTheHostIsResourceExhaustedNamingTheMemory) {
  CreateVMRequest req;
  req.set_vmid("vm1");
  req.mutable_machinecfg()->set_memsizemib(kMaxMemoryMib);  // 1 TiB: more than any test host
  auto f = send("CreateVM", req);
  Status s = wait(f);
  EXPECT_EQ(s.code(), Code::resource_exhausted) << s.ToString();
  EXPECT_NE(s.message().find("MachineCfg.MemSizeMib 1048576 MiB is more than this host's memory"),
            std::string::npos)
      << s.message();
  // Refused before the backend existed: a normal create still works.
  EXPECT_TRUE(create_now().ok());
}

TEST_F(FcControlServiceTest, AFailedCreateLeavesTheVmUncreatedAndARetryMaySucceed) {
  auto create = start_create();
  finish(&Script::pending_create, Status::Internal("vmm would not boot"));
  Status s = wait(create);
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "vmm would not boot");
  EXPECT_EQ(call<GetVMInfoRequest>("GetVMInfo").code(), Code::not_found);
  EXPECT_TRUE(create_now().ok());
  EXPECT_FALSE(exited());
}

TEST_F(FcControlServiceTest, BackendErrorsReachTheCaller) {
  ASSERT_TRUE(create_now().ok());
  on_loop([this] { script_->pause_result = Status::Internal("qmp: stop failed"); });
  Status s = call<PauseVMRequest>("PauseVM");
  EXPECT_EQ(s.code(), Code::internal);
  EXPECT_EQ(s.message(), "qmp: stop failed");
}

TEST_F(FcControlServiceTest, StopVmRepliesAndOnlyThenAsksToExitWithCodeZero) {
  ASSERT_TRUE(create_now().ok());
  StopVMRequest req;
  req.set_vmid("vm1");
  std::future<void> seen;
  on_loop([&] { seen = script_->stop_seen.get_future(); });
  auto stop = send("StopVM", req);
  ASSERT_EQ(seen.wait_for(kWait), std::future_status::ready);
  EXPECT_FALSE(exited()) << "exit requested before the VMM stopped";
  // A VMM exit reported during the stop is the stop's business.
  on_loop([this] { static_cast<ScriptedVmm*>(script_->vmm)->exit_by_itself(Status::Ok()); });
  EXPECT_FALSE(exited());
  EXPECT_EQ(call<PauseVMRequest>("PauseVM").message(), "VM vm1 is stopping");
  finish(&Script::pending_stop, Status::Ok());
  EXPECT_TRUE(wait(stop).ok());
  ASSERT_EQ(exits_future_.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(exits_future_.get(), 0);
}

TEST_F(FcControlServiceTest, AVmmThatEndsCleanlyByItselfEndsTheShimWithCodeZero) {
  ASSERT_TRUE(create_now().ok());
  on_loop([this] { static_cast<ScriptedVmm*>(script_->vmm)->exit_by_itself(Status::Ok()); });
  ASSERT_EQ(exits_future_.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(exits_future_.get(), 0);
}

TEST_F(FcControlServiceTest, AVmmThatCrashesEndsTheShimWithCodeOne) {
  ASSERT_TRUE(create_now().ok());
  on_loop([this] {
    static_cast<ScriptedVmm*>(script_->vmm)->exit_by_itself(Status::Internal("qemu: SIGSEGV"));
  });
  ASSERT_EQ(exits_future_.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(exits_future_.get(), 1);
}

using Events = std::vector<VmEvent>;

TEST_F(FcControlServiceTest, TheVmStartsWhenCreateSucceedsAndStopsWhenStopVmStoppedIt) {
  ASSERT_TRUE(create_now().ok());
  EXPECT_EQ(events(), Events{VmEvent::started});
  StopVMRequest req;
  req.set_vmid("vm1");
  std::future<void> seen;
  on_loop([&] { seen = script_->stop_seen.get_future(); });
  auto stop = send("StopVM", req);
  ASSERT_EQ(seen.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(events(), Events{VmEvent::started}) << "stopped before the VMM stopped";
  // Forcefully or not, the VM is gone.
  finish(&Script::pending_stop, Status::Internal("forcefully terminated VM vm1"));
  EXPECT_EQ(wait(stop).code(), Code::internal);
  EXPECT_EQ(events(), (Events{VmEvent::started, VmEvent::stopped}));
}

TEST_F(FcControlServiceTest, AFailedCreateNeitherStartsNorStopsTheVm) {
  auto create = start_create();
  finish(&Script::pending_create, Status::Internal("vmm would not boot"));
  EXPECT_EQ(wait(create).code(), Code::internal);
  EXPECT_TRUE(events().empty());
}

TEST_F(FcControlServiceTest, AVmmEndingByItselfStopsTheVm) {
  ASSERT_TRUE(create_now().ok());
  on_loop([this] {
    static_cast<ScriptedVmm*>(script_->vmm)->exit_by_itself(Status::Internal("qemu: SIGSEGV"));
  });
  ASSERT_EQ(exits_future_.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(events(), (Events{VmEvent::started, VmEvent::stopped}));
}

}  // namespace
}  // namespace ember::shim
