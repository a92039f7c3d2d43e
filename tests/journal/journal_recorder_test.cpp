// The taps: completions recorded before they reach the supervisor, RPCs and
// their replies, adoptions; nothing recorded while the journal is off.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "journal/journal_recorder.hpp"
#include "journal/journal_writer.hpp"
#include "tests/journal/journal_test_util.hpp"

namespace ember::journal {
namespace {

// Effects that do nothing; the factory keeps the events it was given.
class NoEffects final : public msg::VmEffects {
 public:
  void launch() override {}
  void adopt(const msg::ShimRecord&) override {}
  void call_shim(uint64_t, const msg::VmCall&) override {}
  void kill_shim(const std::string&) override {}
  void start_timer(std::chrono::milliseconds, uint64_t) override {}
  void remove_all() override {}
  void detach() override {}
  msg::SteadyTime now() const override { return {}; }
};

class KeepEventsFactory final : public msg::EffectsFactory {
 public:
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey&,
                                       std::shared_ptr<msg::VmEvents> events) override {
    events_.push_back(std::move(events));
    return std::make_unique<NoEffects>();
  }
  std::vector<std::shared_ptr<msg::VmEvents>> events_;
};

// What the supervisor would have seen: each completion as a word, in the
// order it came in.
class SupervisorEvents final : public msg::VmEvents {
 public:
  SupervisorEvents() = default;
  void started(Status s, int32_t pid) override {
    note("started " + s.ToString() + " " + std::to_string(pid));
  }
  void shim_replied(uint64_t id, msg::RpcReply r) override {
    note("reply " + std::to_string(id) + " " + std::to_string(r.code) + " " + r.payload);
  }
  void shim_exited(msg::ShimExit e) override {
    note("exit " + std::to_string(e.code) + " " + std::to_string(e.signal));
  }
  void timer_fired(uint64_t token) override { note("timer " + std::to_string(token)); }
  std::vector<std::string> seen;

 private:
  void note(std::string what) { seen.push_back(std::move(what)); }
};

class JournalRecorderTest : public ::testing::Test {
 protected:
  JournalRecorderTest() {
    WriterOptions o;
    o.path = dir_.path() + "/journal";
    EXPECT_TRUE(JournalWriter::start(o, test::test_header(), &writer_).ok());
  }
  std::vector<Record> records() {
    writer_->flush();
    return test::read_journal(dir_.path() + "/journal").records;
  }

  test::ScratchDir dir_;
  std::unique_ptr<JournalWriter> writer_;
};

TEST_F(JournalRecorderTest, CompletionsAreRecordedByIncarnationThenForwarded) {
  KeepEventsFactory inner;
  RecordingEffectsFactory factory(inner, *writer_);
  auto sup1 = std::make_shared<SupervisorEvents>();
  auto sup2 = std::make_shared<SupervisorEvents>();
  auto e1 = factory.make({"ns", "vm1"}, sup1);
  auto e2 = factory.make({"ns", "vm1"}, sup2);  // the same id again: a new incarnation
  ASSERT_EQ(inner.events_.size(), 2u);
  inner.events_[0]->started(Status::Ok(), 42);
  inner.events_[0]->shim_replied(3, msg::RpcReply{5, "nope", "pl"});
  inner.events_[0]->shim_exited(msg::ShimExit{-1, 9});  // an adopted shim: code unknown
  inner.events_[1]->timer_fired(77);

  EXPECT_EQ(sup1->seen, (std::vector<std::string>{"started OK 42", "reply 3 5 pl", "exit -1 9"}));
  EXPECT_EQ(sup2->seen, (std::vector<std::string>{"timer 77"}));
  auto recs = records();
  ASSERT_EQ(recs.size(), 4u);
  for (const Record& r : recs) {
    ASSERT_TRUE(r.has_completion());
    EXPECT_EQ(r.completion().ns(), "ns");
    EXPECT_EQ(r.completion().vm_id(), "vm1");
  }
  EXPECT_EQ(recs[0].completion().incarnation(), 1u);
  EXPECT_EQ(recs[0].completion().started().pid(), 42);
  EXPECT_EQ(recs[1].completion().shim_reply().call_id(), 3u);
  EXPECT_EQ(recs[1].completion().shim_reply().code(), 5);
  EXPECT_EQ(recs[1].completion().shim_reply().message(), "nope");
  EXPECT_EQ(recs[1].completion().shim_reply().payload(), "pl");
  EXPECT_EQ(recs[2].completion().shim_exit().code(), -1);
  EXPECT_EQ(recs[2].completion().shim_exit().signal(), 9);
  EXPECT_EQ(recs[3].completion().incarnation(), 2u);
  EXPECT_EQ(recs[3].completion().timer().token(), 77u);
}

TEST_F(JournalRecorderTest, TheShimsOwnReasonForNotStartingIsRecorded) {
  // Replay hands it to the supervisor again: the CreateVM outcome depends on it.
  KeepEventsFactory inner;
  RecordingEffectsFactory factory(inner, *writer_);
  auto sup = std::make_shared<SupervisorEvents>();
  auto fx = factory.make({"ns", "vm1"}, sup);
  inner.events_[0]->shim_exited(msg::ShimExit{1, 0, 8, "write shim-state.json: No space left"});
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].completion().shim_exit().code(), 1);
  EXPECT_EQ(recs[0].completion().shim_exit().failure_code(), 8);
  EXPECT_EQ(recs[0].completion().shim_exit().failure(), "write shim-state.json: No space left");
}

TEST_F(JournalRecorderTest, AnRpcAndItsReplyAreRecordedReplyBeforeItGoesOut) {
  JournalRecorder recorder(*writer_);
  std::vector<msg::RpcReply> answered;
  msg::InboundRpc rpc{msg::Method::stop_vm,
                      "default",
                      "request-bytes",
                      5000,
                      [&](const msg::RpcReply& r) {
                        answered.push_back(r);
                        writer_->append(test::rpc_entry(999));  // after the Reply?
                      },
                      {}};
  recorder.record_rpc(&rpc, 7, 13);
  msg::InboundRpc second{msg::Method::get_vm_info,    "default", "", 0,
                         [](const msg::RpcReply&) {}, {}};
  recorder.record_rpc(&second, 7, 15);
  rpc.reply(msg::RpcReply{6, "exists", "out"});
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].message, "exists");

  auto recs = records();
  ASSERT_EQ(recs.size(), 4u);
  const Rpc& in = recs[0].rpc();
  EXPECT_EQ(in.rpc_id(), 1u);
  EXPECT_EQ(in.connection(), 7u);
  EXPECT_EQ(in.stream_id(), 13u);
  EXPECT_EQ(in.ns(), "default");
  EXPECT_EQ(in.method(), "StopVM");
  EXPECT_EQ(in.payload(), "request-bytes");
  EXPECT_EQ(in.timeout_nano(), 5000);
  EXPECT_EQ(recs[1].rpc().rpc_id(), 2u);
  ASSERT_TRUE(recs[2].has_reply());
  EXPECT_EQ(recs[2].reply().rpc_id(), 1u);
  EXPECT_EQ(recs[2].reply().code(), 6);
  EXPECT_EQ(recs[2].reply().message(), "exists");
  EXPECT_EQ(recs[2].reply().payload(), "out");
  EXPECT_EQ(recs[3].rpc().rpc_id(), 999u);  // the answer ran after the Reply was recorded
}

TEST_F(JournalRecorderTest, AnAdoptionIsRecorded) {
  JournalRecorder recorder(*writer_);
  recorder.record_adopt({"ns", "vm9"}, msg::ShimRecord{123, 456, "/s/shim", "/s/fc"});
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  const Adopt& a = recs[0].adopt();
  EXPECT_EQ(a.ns(), "ns");
  EXPECT_EQ(a.vm_id(), "vm9");
  EXPECT_EQ(a.pid(), 123);
  EXPECT_EQ(a.start_time(), 456u);
  EXPECT_EQ(a.shim_socket(), "/s/shim");
  EXPECT_EQ(a.fccontrol_socket(), "/s/fc");
}

TEST_F(JournalRecorderTest, NothingIsRecordedWhileOffButEverythingStillFlows) {
  writer_->set_enabled(false);
  JournalRecorder recorder(*writer_);
  KeepEventsFactory inner;
  RecordingEffectsFactory factory(inner, *writer_);
  auto sup = std::make_shared<SupervisorEvents>();
  auto effects = factory.make({"ns", "vm1"}, sup);
  inner.events_[0]->timer_fired(1);
  int replies = 0;
  msg::InboundRpc rpc{
      msg::Method::get_vm_info, "default", "", 0, [&](const msg::RpcReply&) { ++replies; }, {}};
  recorder.record_rpc(&rpc, 1, 1);
  rpc.reply(msg::RpcReply{});
  recorder.record_adopt({"ns", "vm2"}, msg::ShimRecord{});
  EXPECT_EQ(sup->seen.size(), 1u);
  EXPECT_EQ(replies, 1);
  EXPECT_TRUE(records().empty());
  EXPECT_EQ(writer_->stats().records_written, 0u);
}

}  // namespace
}  // namespace ember::journal
