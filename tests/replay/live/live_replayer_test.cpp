// LiveReplayer against an in-process Firecracker server on a real unix
// socket that holds chosen calls until another call arrives: the order and
// the overlap of what the replayer sends, seen from the server.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"
#include "messages/fccontrol_payloads.hpp"
#include "replay/live/live_plan.hpp"
#include "replay/live/live_replayer.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/replay/live/test_journal.hpp"

namespace ember::replay::live {
namespace {

using namespace std::chrono_literals;
using test::TestJournal;

// What the server saw when a call arrived.
struct Arrival {
  std::string call;  // "GetVMInfo vm1"
  std::string ns;
  int64_t timeout_nano = 0;
  std::size_t answered_before = 0;  // answers the server had sent by then
};

// Answers every call OK after kAnswerDelayMs, except a held call, which is
// answered that long after its releasing call arrives.
class GatedServer {
 public:
  explicit GatedServer(const std::string& path)
      : loop_(std::make_unique<io::EventLoop>()), server_(std::make_unique<ttrpc::Server>(*loop_)) {
    for (int m = 0; m < msg::kMethodCount; ++m) {
      const std::string method = msg::method_name(static_cast<msg::Method>(m));
      server_->add_method(msg::kFirecrackerService, method,
                          [this](ttrpc::Request req, ttrpc::Responder r) { handle(req, r); });
    }
    EXPECT_TRUE(server_->listen(path).ok());
    loop_->start_thread();
  }
  // The server and the held responders go on the loop thread, then the loop.
  ~GatedServer() {
    std::promise<void> done;
    loop_->post([this, &done] {
      server_.reset();
      {
        std::lock_guard<std::mutex> lock(mu_);
        held_.clear();
      }
      done.set_value();
    });
    done.get_future().wait();
    loop_.reset();
  }

  void hold(const std::string& call, const std::string& until) {
    std::lock_guard<std::mutex> lock(mu_);
    release_by_[until] = call;
  }
  std::vector<Arrival> arrivals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }

 private:
  void handle(const ttrpc::Request& req, ttrpc::Responder responder) {
    msg::Method method;
    std::string vm;
    if (msg::method_from_name(req.method, &method))
      (void)msg::decode_vm_id(method, req.payload, &vm);
    const std::string call = req.method + " " + vm;
    std::lock_guard<std::mutex> lock(mu_);
    arrivals_.push_back(
        Arrival{call, req.metadata_value(ttrpc::kNamespaceKey), req.timeout_nano, answered_});
    bool held = false;
    for (const auto& [until, held_call] : release_by_)
      held = held || held_call == call;
    if (held) {
      held_[call] = responder;
    } else {
      answer(responder);
    }
    auto release = release_by_.find(call);
    if (release != release_by_.end() && held_.count(release->second)) {
      answer(held_[release->second]);
    }
  }
  // Answers a little later, as a real server would: a replayer that sent a
  // VM's next call without waiting for this answer would be seen doing so.
  void answer(const ttrpc::Responder& r) {
    loop_->after(kAnswerDelayMs, [this, r] {
      std::lock_guard<std::mutex> lock(mu_);
      ++answered_;
      r.reply(Status::Ok());
    });
  }
  static constexpr long kAnswerDelayMs = 20;

  std::unique_ptr<io::EventLoop> loop_;
  std::unique_ptr<ttrpc::Server> server_;  // used and destroyed on the loop thread
  mutable std::mutex mu_;
  std::map<std::string, std::string> release_by_;  // releasing call -> held call; guarded by mu_
  std::vector<Arrival> arrivals_;                  // guarded by mu_
  std::map<std::string, ttrpc::Responder> held_;   // guarded by mu_
  std::size_t answered_ = 0;                       // guarded by mu_
};

class LiveReplayerTest : public ::testing::Test {
 protected:
  LivePlan plan_of(const TestJournal& j) {
    const std::string path = dir.path() + "/run.journal";
    EXPECT_TRUE(j.write(path));
    LivePlan plan;
    EXPECT_TRUE(read_live_plan(path, &plan).ok());
    return plan;
  }
  LiveResult replay(const LivePlan& plan) {
    LiveOptions options;
    options.address = socket;
    options.fast = true;
    LiveResult result;
    EXPECT_TRUE(LiveReplayer(options).run(plan, &result).ok());
    return result;
  }

  ctltest::TempDir dir;
  std::string socket = dir.path() + "/fc.sock";
  GatedServer server{socket};
};

std::vector<std::string> calls_of(const std::vector<Arrival>& arrivals) {
  std::vector<std::string> calls;
  for (const Arrival& a : arrivals)
    calls.push_back(a.call);
  return calls;
}

TEST_F(LiveReplayerTest, CallsOfDifferentVmsOverlapAsRecorded) {
  // vm2's GetVMInfo was sent and answered while vm1's CreateVM was running.
  TestJournal j;
  const uint64_t create = j.rpc(0ms, "default", "CreateVM", test::create_vm("vm1"), 5s);
  const uint64_t info = j.rpc(1ms, "team-a", "GetVMInfo", test::get_vm_info("vm2"), 5s);
  j.reply(2ms, info, Code::ok);
  j.reply(3ms, create, Code::ok);
  // The server answers vm1's CreateVM only once vm2's call arrived: a replayer
  // that waited for the CreateVM first would see it run into its deadline.
  server.hold("CreateVM vm1", "GetVMInfo vm2");
  const LiveResult result = replay(plan_of(j));
  ASSERT_EQ(result.got.size(), 2u);
  EXPECT_EQ(result.got[0].code, Code::ok) << result.got[0].message;
  EXPECT_EQ(result.got[1].code, Code::ok) << result.got[1].message;
  const std::vector<Arrival> arrivals = server.arrivals();
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_EQ(arrivals[0].ns, "default");
  EXPECT_EQ(arrivals[1].ns, "team-a");
  EXPECT_EQ(arrivals[0].timeout_nano, 5'000'000'000);
}

TEST_F(LiveReplayerTest, CallsOfOneVmKeepTheirOrderAndWaitForRecordedAnswers) {
  TestJournal j;
  const uint64_t create = j.rpc(0ms, "default", "CreateVM", test::create_vm("vm1"), 5s);
  j.reply(1ms, create, Code::ok);
  // Two calls in flight together, then StopVM once both were answered.
  const uint64_t info = j.rpc(2ms, "default", "GetVMInfo", test::get_vm_info("vm1"), 5s);
  const uint64_t set =
      j.rpc(3ms, "default", "SetVMMetadata", test::set_vm_metadata("vm1", "{}"), 5s);
  j.reply(4ms, info, Code::ok);
  j.reply(5ms, set, Code::ok);
  const uint64_t stop = j.rpc(6ms, "default", "StopVM", test::stop_vm("vm1"), 5s);
  j.reply(7ms, stop, Code::ok);
  // GetVMInfo is answered only when SetVMMetadata arrives: sent together as
  // recorded, both get OK; sent one after the answer of the other, GetVMInfo
  // runs into its deadline.
  server.hold("GetVMInfo vm1", "SetVMMetadata vm1");
  const LiveResult result = replay(plan_of(j));
  for (const CallOutcome& got : result.got)
    EXPECT_EQ(got.code, Code::ok) << got.message;
  const std::vector<Arrival> arrivals = server.arrivals();
  EXPECT_EQ(calls_of(arrivals), (std::vector<std::string>{"CreateVM vm1", "GetVMInfo vm1",
                                                          "SetVMMetadata vm1", "StopVM vm1"}));
  ASSERT_EQ(arrivals.size(), 4u);
  EXPECT_EQ(arrivals[1].answered_before, 1u);  // after CreateVM's answer
  EXPECT_EQ(arrivals[3].answered_before, 3u);  // after both answers
}

}  // namespace
}  // namespace ember::replay::live
