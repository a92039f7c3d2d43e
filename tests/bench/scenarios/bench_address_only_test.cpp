// `emberctl --address <emberd> bench ...` with nothing else: no --config, no
// $EMBER_CONFIG, no --vm-dir-base. The scenarios that probe shims find each
// VM's directory from GetVMInfo's SocketPath, so their reports are complete.
// The emberd under test keeps its VM directories where no default config
// points. Speed is never asserted.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/bench/scenarios/bench_report_checks.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::ctltest {
namespace {

using nlohmann::json;

class BenchAddressOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override { emberd_ = std::make_unique<e2e::Emberd>(e2e::EmberdOptions{}); }

  // emberctl --json --address <emberd> bench args... (EMBER_CONFIG unset).
  CtlResult bench(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--json", "--address", emberd_->socket(), "bench"};
    all.insert(all.end(), args.begin(), args.end());
    return run_emberctl(work_.path(), all);
  }

  void expect_nothing_left() { ctltest::expect_nothing_left(*emberd_); }

  // What every report ends with.
  void expect_target(const json& j) {
    EXPECT_EQ(j["namespace"], "default");
    EXPECT_EQ(j["emberd_address"], emberd_->socket());
    EXPECT_EQ(j["emberd_pid"], emberd_->pid());
  }

  TempDir work_;
  std::unique_ptr<e2e::Emberd> emberd_;
};

TEST_F(BenchAddressOnlyTest, RpcMeasuresEveryMethodDepthAndPath) {
  CtlResult r = bench({"rpc", "--vms", "2", "-n", "20", "--warmup", "2", "--in-flight", "1,4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  json j = report_of(r);
  EXPECT_EQ(j["scenario"], "rpc");
  EXPECT_EQ(j["vms_created"], 2);
  EXPECT_GT(j["shim"]["pid"].get<int>(), 0);
  ASSERT_EQ(j["series"].size(), 2u * 2u * 3u);  // methods x depths x paths
  std::map<std::string, int> paths;
  for (const auto& s : j["series"]) {
    EXPECT_EQ(s["calls"], 20) << s;
    EXPECT_EQ(s["failed"], 0) << s;
    expect_summary(s["latency_us"], 20);
    ++paths[s["path"].get<std::string>()];
  }
  EXPECT_EQ(paths["emberd"], 4);
  EXPECT_EQ(paths["shim"], 4);
  EXPECT_EQ(paths["emberd-all"], 4);
  ASSERT_EQ(j["emberd_added_us"].size(), 4u);
  for (const auto& a : j["emberd_added_us"])
    EXPECT_TRUE(a["p50"].is_number()) << a;
  EXPECT_TRUE(j["errors"].empty());
  expect_target(j);
  expect_nothing_left();
}

TEST_F(BenchAddressOnlyTest, StopLatencyTimesEveryStop) {
  CtlResult r = bench({"stop-latency", "-n", "4", "-c", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  expect_stop_latency(j, 4);
  EXPECT_EQ(j["stops"]["started"], 4);
  EXPECT_TRUE(j["errors"].empty());
  expect_target(j);
  expect_nothing_left();
}

TEST_F(BenchAddressOnlyTest, BootWaitsInTheVmDirectoryAndReportsEmberdCpu) {
  // shim-state.json stands in for the guest's ready marker (hollow VMs have
  // no guest).
  CtlResult r = bench({"boot", "--vms", "2", "--ready-file", "shim-state.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  EXPECT_EQ(j["vms"]["ready"], 2);
  EXPECT_EQ(j["vms"]["stopped"], 2);
  expect_summary(j["ready_us"], 2);
  ASSERT_TRUE(j["emberd_cpu_seconds"].is_number()) << j;
  EXPECT_GE(j["emberd_cpu_seconds"].get<double>(), 0);
  EXPECT_EQ(j["load_average"]["before"].get<std::string>().size() > 0, true);
  EXPECT_EQ(j["load_average"]["after"].get<std::string>().size() > 0, true);
  expect_target(j);
  expect_nothing_left();
}

TEST_F(BenchAddressOnlyTest, AVmDirBaseGivenAsWellWinsAndAWrongOneIsNamed) {
  CtlResult r = bench({"stop-latency", "-n", "1", "--vm-dir-base", work_.path() + "/none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "{\"code\":\"NOT_FOUND\",\"message\":\"VM directory base " + work_.path() +
                       "/none (--vm-dir-base) does not exist\"}\n");
  expect_nothing_left();
}

TEST_F(BenchAddressOnlyTest, BadOptionsNameTheOption) {
  for (const auto& [args, option] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"rpc", "--vms", "0"}, "--vms"},
           {{"rpc", "--in-flight", "1,0"}, "--in-flight"},
           {{"stop-latency", "-n", "0"}, "--count"},
           {{"stop-latency", "-c", "5000"}, "--concurrency"},
           {{"boot", "--ready-timeout", "0"}, "--ready-timeout"},
       }) {
    CtlResult r = bench(args);
    EXPECT_EQ(r.exit_code, 2) << option << r.err;
    EXPECT_NE(r.err.find("INVALID_ARGUMENT"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(option), std::string::npos) << option << ": " << r.err;
    EXPECT_EQ(r.out, "");
  }
  expect_nothing_left();
}

}  // namespace
}  // namespace ember::ctltest
