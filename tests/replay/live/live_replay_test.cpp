// `emberctl replay live` (the real binary) against a fresh real emberd with
// the hollow backend, from journals written by the test.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/replay/live/test_journal.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::replay::live {
namespace {

using namespace std::chrono_literals;
using ctltest::CtlResult;
using test::TestJournal;

// Three VMs (two in "default", one in "team-a") through their lifecycle, with
// the errors a fresh hollow emberd gives: a second CreateVM of a live id and
// GetVMInfo of an id that never existed. `ghost_code` is what the journal
// says that GetVMInfo got (NOT_FOUND is what really happens).
TestJournal lifecycle_journal(Code ghost_code = Code::not_found) {
  TestJournal j;
  // vm1 and vm2 are created at once, as two clients would.
  const uint64_t c1 = j.rpc(0ms, "default", "CreateVM", test::create_vm("vm1"));
  const uint64_t c2 = j.rpc(1ms, "default", "CreateVM", test::create_vm("vm2"));
  const uint64_t c3 = j.rpc(2ms, "team-a", "CreateVM", test::create_vm("vm3"));
  j.reply(20ms, c1, Code::ok);
  j.reply(21ms, c2, Code::ok);
  j.reply(22ms, c3, Code::ok);
  const uint64_t again = j.rpc(23ms, "default", "CreateVM", test::create_vm("vm1"));
  j.reply(24ms, again, Code::already_exists, "VM vm1 already exists");
  const uint64_t info = j.rpc(25ms, "default", "GetVMInfo", test::get_vm_info("vm1"));
  const uint64_t set =
      j.rpc(25ms, "default", "SetVMMetadata", test::set_vm_metadata("vm2", R"({"role":"db"})"));
  const uint64_t ghost = j.rpc(26ms, "default", "GetVMInfo", test::get_vm_info("ghost"));
  j.reply(27ms, info, Code::ok);
  j.reply(27ms, set, Code::ok);
  j.reply(28ms, ghost, ghost_code, ghost_code == Code::ok ? "" : "VM ghost not found");
  const uint64_t get = j.rpc(29ms, "default", "GetVMMetadata", test::get_vm_metadata("vm2"));
  const uint64_t info3 = j.rpc(29ms, "team-a", "GetVMInfo", test::get_vm_info("vm3"));
  j.reply(30ms, get, Code::ok);
  j.reply(30ms, info3, Code::ok);
  const uint64_t s1 = j.rpc(31ms, "default", "StopVM", test::stop_vm("vm1"));
  const uint64_t s2 = j.rpc(31ms, "default", "StopVM", test::stop_vm("vm2"));
  const uint64_t s3 = j.rpc(32ms, "team-a", "StopVM", test::stop_vm("vm3"));
  j.reply(40ms, s1, Code::ok);
  j.reply(41ms, s2, Code::ok);
  j.reply(42ms, s3, Code::ok);
  const uint64_t gone = j.rpc(43ms, "default", "GetVMInfo", test::get_vm_info("vm1"));
  j.reply(44ms, gone, Code::not_found, "VM vm1 not found");
  return j;
}

class LiveReplayTest : public ::testing::Test {
 protected:
  std::string journal_file(const TestJournal& j, const std::string& name = "run.journal") {
    const std::string path = scratch.path() + "/" + name;
    EXPECT_TRUE(j.write(path));
    return path;
  }
  CtlResult replay(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--address", emberd.socket(), "replay", "live"};
    all.insert(all.end(), args.begin(), args.end());
    return ctltest::run_emberctl(scratch.path(), all);
  }

  e2e::Emberd emberd;
  ctltest::TempDir scratch;
};

TEST_F(LiveReplayTest, ReproducesTheRecordedCodesOfAHollowLifecycle) {
  CtlResult r = replay({journal_file(lifecycle_journal()), "--fast"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << emberd.log();
  EXPECT_NE(r.out.find("replayed 13 calls of 4 VMs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("every recorded code reproduced"), std::string::npos) << r.out;
  // METHOD, SENT, SAME, DIFFERENT, UNRECORDED.
  EXPECT_NE(r.out.find("CreateVM                   4       4          0           0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("total                     13      13          0           0"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "");  // stderr is no terminal: no progress bar
}

TEST_F(LiveReplayTest, JsonSummarisesEveryMethod) {
  CtlResult r = replay({journal_file(lifecycle_journal()), "--fast", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << emberd.log();
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["mode"], "fast");
  EXPECT_EQ(report["calls"], 13);
  EXPECT_EQ(report["total"]["same"], 13);
  EXPECT_EQ(report["total"]["different"], 0);
  EXPECT_TRUE(report["differences"].empty());
  std::vector<std::string> methods;
  for (const auto& m : report["methods"])
    methods.push_back(m["method"]);
  EXPECT_EQ(methods, (std::vector<std::string>{"CreateVM", "GetVMInfo", "GetVMMetadata",
                                               "SetVMMetadata", "StopVM"}));
}

TEST_F(LiveReplayTest, ACodeThatDiffersIsReportedAndExitsOne) {
  CtlResult r = replay({journal_file(lifecycle_journal(Code::ok)), "--fast"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The ghost GetVMInfo is the 11th record (seq 11).
  EXPECT_NE(r.out.find("seq 11  default/ghost  GetVMInfo\n  recorded: OK\n  got:      NOT_FOUND"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 of 13 codes differ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GetVMInfo                  4       3          1           0"),
            std::string::npos)
      << r.out;

  e2e::Emberd fresh;
  CtlResult j =
      ctltest::run_emberctl(scratch.path(), {"--address", fresh.socket(), "--json", "replay",
                                             "live", scratch.path() + "/run.journal", "--fast"});
  EXPECT_EQ(j.exit_code, 1) << j.out << j.err;
  const auto report = nlohmann::json::parse(j.out);
  ASSERT_EQ(report["differences"].size(), 1u);
  const auto& d = report["differences"][0];
  EXPECT_EQ(d["seq"], 11);
  EXPECT_EQ(d["vm_id"], "ghost");
  EXPECT_EQ(d["method"], "GetVMInfo");
  EXPECT_EQ(d["recorded"]["code"], "OK");
  EXPECT_EQ(d["got"]["code"], "NOT_FOUND");
}

// Two calls 300 ms apart in the recording.
TestJournal gap_journal() {
  TestJournal j;
  const uint64_t first = j.rpc(0ms, "default", "GetVMInfo", test::get_vm_info("a"));
  j.reply(1ms, first, Code::not_found);
  const uint64_t second = j.rpc(300ms, "default", "GetVMInfo", test::get_vm_info("b"));
  j.reply(301ms, second, Code::not_found);
  return j;
}

TEST_F(LiveReplayTest, SpeedOneKeepsTheRecordedGap) {
  const std::string path = journal_file(gap_journal());
  const auto start = std::chrono::steady_clock::now();
  CtlResult r = replay({path, "--json"});
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(took, 0.3);
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["mode"], "speed");
  EXPECT_GE(report["elapsed_seconds"].get<double>(), 0.3);

  // --speed 2 halves the gap; --fast ignores it (only lower bounds are
  // asserted: a slow machine may take longer).
  r = replay({path, "--speed", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(nlohmann::json::parse(r.out)["elapsed_seconds"].get<double>(), 0.15);
  r = replay({path, "--fast", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["total"]["same"], 2);
}

TEST_F(LiveReplayTest, AMissingJournalIsNamedAndExitsTwo) {
  const std::string path = scratch.path() + "/absent.journal";
  CtlResult r = replay({path, "--fast"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("NOT_FOUND"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
}

TEST_F(LiveReplayTest, ACorruptRecordIsNamedWithItsOffsetAndExitsTwo) {
  TestJournal j = gap_journal();
  // A record whose length prefix claims more bytes than follow.
  const std::string cut = j.bytes().substr(0, j.header_size()) + std::string("\x7f\x01\x02", 3);
  const std::string path = scratch.path() + "/cut.journal";
  ASSERT_TRUE(ctltest::write_file(path, cut));
  CtlResult r = replay({path, "--fast"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: " + path + ": truncated record at offset " +
                       std::to_string(j.header_size()) + "\n");
  EXPECT_EQ(r.out, "");

  ASSERT_TRUE(ctltest::write_file(path, "not a journal at all"));
  r = replay({path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ": not a journal"), std::string::npos) << r.err;
}

TEST_F(LiveReplayTest, NoServerExitsThree) {
  const std::string path = journal_file(gap_journal());
  CtlResult r = ctltest::run_emberctl(
      scratch.path(), {"--address", scratch.path() + "/nobody.sock", "replay", "live", path});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot connect to " + scratch.path() + "/nobody.sock"), std::string::npos)
      << r.err;
}

TEST_F(LiveReplayTest, SpeedAndFastExcludeEachOther) {
  CtlResult r = replay({journal_file(gap_journal()), "--fast", "--speed", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ember::replay::live
