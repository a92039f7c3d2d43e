// emberd's exit codes for a bad command line (docs/emberd.md): 2, as for a
// bad config, never CLI11's own 105-114; --help and --version exit 0.
#include <gtest/gtest.h>

#include "tests/cmd/emberd/run_emberd.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::emberdtest {
namespace {

class EmberdCommandLineTest : public ::testing::Test {
 protected:
  EmberdRun run(const std::vector<std::string>& args) { return run_emberd(tree_.path(), args); }
  testsupport::TempTree tree_;
};

TEST_F(EmberdCommandLineTest, UnknownFlagExitsTwoNamingIt) {
  EmberdRun r = run({"--no-such-flag"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
}

TEST_F(EmberdCommandLineTest, StrayArgumentExitsTwo) {
  EmberdRun r = run({"serve"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("serve"), std::string::npos) << r.err;
}

TEST_F(EmberdCommandLineTest, ReadyFdThatIsNoNumberExitsTwo) {
  EmberdRun r = run({"--ready-fd", "three"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--ready-fd"), std::string::npos) << r.err;
}

TEST_F(EmberdCommandLineTest, ConfigWithoutItsValueExitsTwo) {
  EmberdRun r = run({"--config"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
}

TEST_F(EmberdCommandLineTest, MissingConfigFileExitsTwo) {
  EmberdRun r = run({"--config", tree_ / "absent.yaml"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(tree_ / "absent.yaml"), std::string::npos) << r.err;
}

TEST_F(EmberdCommandLineTest, HelpExitsZeroListingTheFlags) {
  EmberdRun r = run({"--help"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--config"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--ready-fd"), std::string::npos) << r.out;
}

TEST_F(EmberdCommandLineTest, VersionExitsZero) {
  EmberdRun r = run({"--version"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("emberd ", 0), 0u) << r.out;
}

}  // namespace
}  // namespace ember::emberdtest
