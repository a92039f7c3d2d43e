// emberctl replay sim|explore as a real process on journal files.
#include <gtest/gtest.h>

#include "base/files.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/replay/journal_builder.hpp"

namespace ember::replaytest {
namespace {

using ctltest::run_emberctl;

class ReplayCliTest : public ::testing::Test {
 protected:
  std::string write(const JournalBuilder& b, const std::string& name) {
    std::string path = dir.path() + "/" + name;
    EXPECT_TRUE(b.write(path));
    return path;
  }
  ctltest::TempDir dir;
};

TEST_F(ReplayCliTest, SimOfAFaithfulJournalExitsZero) {
  std::string path = write(lifecycle_journal(), "ok.journal");
  auto r = run_emberctl(dir.path(), {"replay", "sim", path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("8 inputs replayed, 3 replies checked, 0 divergences"), std::string::npos)
      << r.out;
}

TEST_F(ReplayCliTest, SimPrintsTheDivergenceTableAndExitsOne) {
  std::string path = write(lifecycle_journal(Code::not_found), "diverged.journal");
  auto r = run_emberctl(dir.path(), {"replay", "sim", path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("SEQ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default/vm1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT_FOUND: VM vm1 not found"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("diverged"), std::string::npos) << r.err;
}

TEST_F(ReplayCliTest, SimWithJsonPrintsOneObject) {
  std::string path = write(lifecycle_journal(Code::not_found), "diverged.journal");
  auto r = run_emberctl(dir.path(), {"--json", "replay", "sim", path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out,
            "{\"inputs\":8,\"replies_checked\":3,\"dropped\":0,\"divergences\":[{\"seq\":5,"
            "\"vm\":\"default/vm1\",\"method\":\"GetVMInfo\",\"recorded\":\"NOT_FOUND: VM vm1 "
            "not found\",\"replayed\":\"OK\"}]}\n");
}

TEST_F(ReplayCliTest, SimTraceIsByteIdenticalAcrossProcesses) {
  std::string path = write(fleet_journal(4, 2), "fleet.journal");
  auto a = run_emberctl(dir.path(), {"replay", "sim", path, "--trace"});
  auto b = run_emberctl(dir.path(), {"replay", "sim", path, "--trace"});
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("registry -> frontend: reply OK"), std::string::npos) << a.out;
}

TEST_F(ReplayCliTest, TruncatedJournalNamesTheOffset) {
  std::string path = write(lifecycle_journal(), "cut.journal");
  std::string bytes;
  ASSERT_TRUE(read_file(path, &bytes).ok());
  ASSERT_TRUE(ctltest::write_file(path, bytes.substr(0, bytes.size() - 3)));
  auto r = run_emberctl(dir.path(), {"replay", "sim", path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
}

TEST_F(ReplayCliTest, ExploreRunsAndReproducesASeed) {
  std::string path = write(recreate_journal(), "recreate.journal");
  auto r = run_emberctl(dir.path(), {"replay", "explore", path, "--runs", "200", "--seed", "5"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("200 runs (seeds 5 to 204): no invariant violated"), std::string::npos)
      << r.out;
  auto t1 = run_emberctl(dir.path(),
                         {"replay", "explore", path, "--runs", "1", "--seed", "9", "--trace"});
  auto t2 = run_emberctl(dir.path(),
                         {"replay", "explore", path, "--runs", "1", "--seed", "9", "--trace"});
  EXPECT_EQ(t1.out, t2.out);
  EXPECT_NE(t1.out.find("input seq 1"), std::string::npos) << t1.out;
}

}  // namespace
}  // namespace ember::replaytest
