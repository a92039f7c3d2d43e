// End to end: a real emberd (hollow backend) records a VM's lifecycle into
// its journal; emberctl switches the journal over the ember.v1.Journal
// service; JournalReader reads the file back.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"
#include "journal/journal_reader.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/journal/journal_test_util.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::journal {
namespace {

using msg::Method;

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

// The records other than the actors' steps.
std::vector<Record> without_steps(const std::vector<Record>& records) {
  std::vector<Record> out;
  for (const Record& r : records)
    if (!r.has_step()) out.push_back(r);
  return out;
}

class JournalE2eTest : public ::testing::Test {
 protected:
  explicit JournalE2eTest(bool configured = true)
      : emberd_(options(configured ? "journal:\n  path: " + path_ + "\n" : "")) {}

  static e2e::EmberdOptions options(const std::string& yaml) {
    e2e::EmberdOptions o;
    o.extra_yaml = yaml;
    return o;
  }
  // emberctl --json journal <verb>: the exit code, and stdout parsed.
  ctltest::CtlResult journal_ctl(const std::string& verb, nlohmann::json* out) {
    auto r = ctltest::run_emberctl(scratch_.path(),
                                   {"--address", emberd_.socket(), "--json", "journal", verb});
    if (r.exit_code == 0) *out = nlohmann::json::parse(r.out);
    return r;
  }
  void lifecycle(e2e::FcClient& client, const std::string& id) {
    CreateVMRequest create;
    create.set_vmid(id);
    auto created = client.call(Method::create_vm, create.SerializeAsString());
    ASSERT_TRUE(created.status.ok()) << created.status.ToString() << emberd_.log();
    ASSERT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id)).status.ok());
    ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>(id)).status.ok());
  }

  test::ScratchDir scratch_;
  std::string path_ = scratch_.path() + "/journal";
  e2e::Emberd emberd_;
};

TEST_F(JournalE2eTest, AHollowLifecycleIsRecordedInOrderWithMatchingRpcIds) {
  nlohmann::json status;
  ASSERT_EQ(journal_ctl("status", &status).exit_code, 0);
  EXPECT_EQ(status["Enabled"], true);
  EXPECT_EQ(status["Path"], path_);
  {
    e2e::FcClient client(emberd_.socket());
    lifecycle(client, "vm1");
  }
  ASSERT_EQ(journal_ctl("status", &status).exit_code, 0);
  EXPECT_GE(status["RecordsWritten"].get<uint64_t>(), 10u);
  EXPECT_EQ(status["Dropped"], 0);
  ASSERT_EQ(emberd_.stop(SIGTERM), 0);

  auto back = test::read_journal(path_);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  EXPECT_EQ(back.header.format_version(), 1u);
  EXPECT_EQ(back.header.ember_version(), EMBER_VERSION);
  config::Config effective;  // as emberd resolved it, from the same file
  ASSERT_TRUE(config::resolve(emberd_.config_path(), EMBERD_PATH, &effective).ok());
  EXPECT_EQ(back.header.config_digest(), sha256_hex(config::canonical_dump(effective)));
  EXPECT_GT(back.header.start_unix_nanos(), 0);
  EXPECT_EQ(back.header.settings().max_vms(), effective.limits.max_vms);
  EXPECT_EQ(back.header.settings().stop_vm_seconds(), 5u);
  // rpc, completions by incarnation, reply: in the order the actors saw them.
  std::vector<std::string> events;
  std::map<uint64_t, std::string> method_of;
  std::map<Step::Role, uint64_t> actor_of;  // the ids the actors step under
  std::vector<std::string> steps;
  for (size_t i = 0; i < back.records.size(); ++i) {
    const Record& r = back.records[i];
    EXPECT_EQ(r.seq(), i + 1);
    if (r.has_step()) {
      const Step& s = r.step();
      actor_of.emplace(s.role(), s.actor());
      if (s.role() == Step::VM) {
        EXPECT_EQ(s.ns() + "/" + s.vm_id(), "default/vm1");
      }
      steps.push_back(Step::Role_Name(s.role()) + " from " + std::to_string(s.sender()));
    } else if (r.has_rpc()) {
      EXPECT_GT(r.rpc().connection(), 0u);
      EXPECT_EQ(r.rpc().stream_id() % 2, 1u);
      EXPECT_EQ(r.rpc().ns(), "default");
      method_of[r.rpc().rpc_id()] = r.rpc().method();
      events.push_back("rpc " + std::to_string(r.rpc().rpc_id()) + " " + r.rpc().method());
    } else if (r.has_reply()) {
      events.push_back("reply " + std::to_string(r.reply().rpc_id()) + " " +
                       std::to_string(r.reply().code()));
    } else if (r.has_completion()) {
      const Completion& c = r.completion();
      EXPECT_EQ(c.incarnation(), 1u);
      EXPECT_EQ(c.vm_id(), "vm1");
      events.push_back(c.has_started()      ? "started"
                       : c.has_shim_reply() ? "shim_reply"
                       : c.has_shim_exit()  ? "shim_exit"
                                            : "timer");
    }
  }
  // StopVM's shim reply and shim exit may come in either order.
  std::vector<std::string> stop_a = {"rpc 3 StopVM", "shim_reply", "shim_exit", "reply 3 0"};
  std::vector<std::string> stop_b = {"rpc 3 StopVM", "shim_exit", "shim_reply", "reply 3 0"};
  // GetVMInfo passes through the supervisor unchanged: the shim's reply
  // answers the caller before the supervisor hears of it (AnswerOnce).
  std::vector<std::string> expected = {"rpc 1 CreateVM",  "started",   "shim_reply", "reply 1 0",
                                       "rpc 2 GetVMInfo", "reply 2 0", "shim_reply"};
  ASSERT_EQ(events.size(), expected.size() + 4) << testing::PrintToString(events);
  // The registry and the supervisor report each message they take: the
  // CreateVM goes to the registry (from the frontend, which takes no steps),
  // then to the supervisor (from the registry).
  EXPECT_TRUE(back.header.steps());
  ASSERT_EQ(actor_of.size(), 2u);
  ASSERT_GE(steps.size(), 2u);
  EXPECT_NE(steps[0], "REGISTRY from 0");
  EXPECT_EQ(steps[0].rfind("REGISTRY from ", 0), 0u) << steps[0];
  EXPECT_EQ(steps[1], "VM from " + std::to_string(actor_of[Step::REGISTRY]));
  EXPECT_EQ(std::vector<std::string>(events.begin(), events.begin() + 7), expected);
  std::vector<std::string> stop(events.begin() + 7, events.end());
  EXPECT_TRUE(stop == stop_a || stop == stop_b) << testing::PrintToString(stop);
}

TEST_F(JournalE2eTest, OffStopsTheRecordingAndOnStartsANewFile) {
  nlohmann::json status;
  e2e::FcClient client(emberd_.socket());
  ASSERT_EQ(journal_ctl("off", &status).exit_code, 0);
  EXPECT_EQ(status["Enabled"], false);
  lifecycle(client, "quiet");
  ASSERT_EQ(journal_ctl("on", &status).exit_code, 0);
  EXPECT_EQ(status["Enabled"], true);
  EXPECT_EQ(status["Files"], 2);
  ASSERT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("none")).status.code() ==
              Code::not_found);
  ASSERT_EQ(journal_ctl("rotate", &status).exit_code, 0);
  EXPECT_EQ(status["Files"], 3);
  ASSERT_EQ(emberd_.stop(SIGTERM), 0);

  EXPECT_TRUE(test::read_journal(path_ + ".2").records.empty());  // nothing while off
  auto on = test::read_journal(path_ + ".1");
  ASSERT_TRUE(on.status.ok()) << on.status.ToString();
  EXPECT_EQ(on.header.file_index(), 1u);
  std::vector<Record> records = without_steps(on.records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].rpc().method(), "GetVMInfo");
  EXPECT_EQ(records[1].reply().code(), static_cast<int>(Code::not_found));
  auto rotated = test::read_journal(path_);
  EXPECT_EQ(rotated.header.file_index(), 2u);
  // Only shutdown's steps (the registry takes detach, the frontend its exit).
  EXPECT_TRUE(without_steps(rotated.records).empty());
}

TEST_F(JournalE2eTest, AShimAdoptedAtStartUpIsRecordedBeforeItsCompletion) {
  {
    e2e::FcClient client(emberd_.socket());
    CreateVMRequest create;
    create.set_vmid("kept");
    ASSERT_TRUE(client.call(Method::create_vm, create.SerializeAsString()).status.ok());
  }
  const pid_t shim = e2e::shim_pid_of(emberd_.vm_dir("default", "kept"));
  ASSERT_EQ(emberd_.stop(SIGTERM), 0);  // the shim keeps running
  emberd_.restart();                    // adopts it; the first journal moves to .1
  {
    e2e::FcClient client(emberd_.socket());
    ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("kept")).status.ok());
  }
  ASSERT_EQ(emberd_.stop(SIGTERM), 0);

  auto back = test::read_journal(path_);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  std::vector<Record> records = without_steps(back.records);
  ASSERT_GE(records.size(), 3u);
  ASSERT_TRUE(records[0].has_adopt()) << records[0].ShortDebugString();
  const Adopt& adopt = records[0].adopt();
  EXPECT_EQ(adopt.ns(), "default");
  EXPECT_EQ(adopt.vm_id(), "kept");
  EXPECT_EQ(adopt.pid(), shim);
  EXPECT_GT(adopt.start_time(), 0u);
  EXPECT_FALSE(adopt.fccontrol_socket().empty());
  ASSERT_TRUE(records[1].has_completion());
  EXPECT_EQ(records[1].completion().incarnation(), 1u);
  EXPECT_EQ(records[1].completion().started().code(), 0);
  EXPECT_EQ(records[1].completion().started().pid(), shim);
  EXPECT_EQ(records[2].rpc().method(), "StopVM");
  EXPECT_EQ(test::read_journal(path_ + ".1").records.front().rpc().method(), "CreateVM");
}

class JournalE2eUnconfiguredTest : public JournalE2eTest {
 protected:
  JournalE2eUnconfiguredTest() : JournalE2eTest(false) {}
};

TEST_F(JournalE2eUnconfiguredTest, WithoutAPathStatusSaysSoAndOnIsRefused) {
  nlohmann::json status;
  ASSERT_EQ(journal_ctl("status", &status).exit_code, 0);
  EXPECT_EQ(status["Configured"], false);
  EXPECT_EQ(status["Enabled"], false);
  auto r = journal_ctl("on", &status);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err,
      R"({"code":"FAILED_PRECONDITION","message":"no journal configured: set journal.path in emberd's config"})"
      "\n");
}

}  // namespace
}  // namespace ember::journal

namespace ember::journal {
namespace {

// Issue 10: what a real emberd recorded replays, in-process (`replay sim`)
// with no divergence, and against a fresh emberd (`replay live`) with every
// recorded code reproduced. The traffic: `emberctl bench lifecycle` and
// `bench rpc` (concurrent creates, calls, stops), plus refused calls.
TEST_F(JournalE2eTest, ARecordedHollowRunReplaysInSimAndLiveWithEveryCodeReproduced) {
  auto bench = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {"--config", emberd_.config_path(), "bench"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = ctltest::run_emberctl(scratch_.path(), all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  bench({"lifecycle", "-n", "40", "-c", "8"});
  bench({"rpc", "--vms", "2", "-n", "200"});
  {
    e2e::FcClient client(emberd_.socket());
    lifecycle(client, "again");
    EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("ghost")).status.code(),
              Code::not_found);
  }
  ASSERT_EQ(emberd_.stop(SIGTERM), 0);

  auto sim = ctltest::run_emberctl(scratch_.path(), {"replay", "sim", path_});
  EXPECT_EQ(sim.exit_code, 0) << sim.out.substr(0, 4000) << sim.err;
  EXPECT_NE(sim.out.find(" 0 divergences"), std::string::npos) << sim.out.substr(0, 4000);

  e2e::Emberd fresh;
  auto live = ctltest::run_emberctl(
      scratch_.path(), {"replay", "live", path_, "--address", fresh.socket(), "--fast"});
  EXPECT_EQ(live.exit_code, 0) << live.out.substr(0, 4000) << live.err;
  EXPECT_NE(live.out.find("every recorded code reproduced"), std::string::npos)
      << live.out.substr(0, 4000);
}

}  // namespace
}  // namespace ember::journal
