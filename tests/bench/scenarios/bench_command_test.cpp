// `emberctl bench` against a real emberd (hollow backend): the JSON each
// scenario prints, that its counts add up, and that it leaves no VM behind,
// also when it fails. Speed is never asserted.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/bench/scenarios/bench_report_checks.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/support/emberd_harness.hpp"

extern char** environ;

namespace ember::ctltest {
namespace {

using nlohmann::json;

class BenchCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { start_emberd(); }

  void start_emberd(const std::string& extra_yaml = "") {
    e2e::EmberdOptions o;
    o.extra_yaml = extra_yaml;
    emberd_ = std::make_unique<e2e::Emberd>(o);
  }

  // emberctl --address <emberd> bench args...
  CtlResult bench(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--address", emberd_->socket(), "bench"};
    all.insert(all.end(), args.begin(), args.end());
    return run_emberctl(work_.path(), all);
  }

  void expect_nothing_left() { ctltest::expect_nothing_left(*emberd_); }

  TempDir work_;
  std::unique_ptr<e2e::Emberd> emberd_;
};

TEST_F(BenchCommandTest, LifecyclePrintsCountsThatAddUp) {
  CtlResult r = bench({"lifecycle", "-n", "6", "-c", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  json j = report_of(r);
  EXPECT_EQ(j["scenario"], "lifecycle");
  EXPECT_EQ(j["params"]["count"], 6);
  EXPECT_EQ(j["params"]["concurrency"], 3);
  EXPECT_EQ(j["cycles"]["requested"], 6);
  EXPECT_EQ(j["cycles"]["started"], 6);
  EXPECT_EQ(j["cycles"]["completed"], 6);
  EXPECT_EQ(j["cycles"]["failed"], 0);
  expect_summary(j["create_us"], 6);
  expect_summary(j["stop_us"], 6);
  expect_summary(j["cycle_us"], 6);
  EXPECT_GT(j["cycles_per_second"].get<double>(), 0);
  EXPECT_TRUE(j["errors"].empty());
  EXPECT_EQ(j["namespace"], "default");
  EXPECT_EQ(j["emberd_address"], emberd_->socket());
  EXPECT_EQ(j["emberd_pid"], emberd_->pid());  // found with SO_PEERCRED
  expect_nothing_left();
}

TEST_F(BenchCommandTest, LifecycleWithoutJsonPrintsASummaryTable) {
  CtlResult r = bench({"lifecycle", "-n", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lifecycle: 2 of 2 create+stop cycles"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CreateVM"), std::string::npos);
  EXPECT_NE(r.out.find("StopVM"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST_F(BenchCommandTest, RpcMeasuresEveryMethodDepthAndPath) {
  CtlResult r = bench({"rpc", "--vms", "2", "-n", "40", "--warmup", "4", "--in-flight", "1,4",
                       "--vm-dir-base", emberd_->vm_base_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  EXPECT_EQ(j["scenario"], "rpc");
  EXPECT_EQ(j["vms_created"], 2);
  EXPECT_GT(j["shim"]["pid"].get<int>(), 0);
  ASSERT_EQ(j["series"].size(), 2u * 2u * 3u);  // methods x depths x paths
  std::map<std::string, int> paths;
  for (const auto& s : j["series"]) {
    EXPECT_EQ(s["calls"], 40) << s;
    EXPECT_EQ(s["failed"], 0);
    expect_summary(s["latency_us"], 40);
    ++paths[s["path"].get<std::string>()];
  }
  EXPECT_EQ(paths["emberd"], 4);
  EXPECT_EQ(paths["shim"], 4);
  EXPECT_EQ(paths["emberd-all"], 4);
  ASSERT_EQ(j["emberd_added_us"].size(), 4u);
  EXPECT_TRUE(j["emberd_added_us"][0]["p50"].is_number());
  expect_nothing_left();
}

// The VM directories come from GetVMInfo; a --config given as well changes nothing.
TEST_F(BenchCommandTest, RpcStillWorksWithAConfig) {
  CtlResult r = run_emberctl(
      work_.path(),
      {"--address", emberd_->socket(), "--config", emberd_->config_path(), "bench", "rpc", "--vms",
       "1", "-n", "5", "--warmup", "0", "--in-flight", "2", "--methods", "GetVMInfo", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  ASSERT_EQ(j["series"].size(), 2u);  // one VM: no emberd-all row
  expect_nothing_left();
}

TEST_F(BenchCommandTest, RpcMeasuresOnlyThePathsAsked) {
  CtlResult r = bench({"rpc", "--vms", "2", "-n", "5", "--warmup", "0", "--in-flight", "1",
                       "--paths", "shim", "--vm-dir-base", emberd_->vm_base_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  ASSERT_EQ(j["series"].size(), 2u);  // one per method
  for (const auto& s : j["series"])
    EXPECT_EQ(s["path"], "shim");
  EXPECT_TRUE(j["emberd_added_us"].empty());  // nothing to compare with
  expect_nothing_left();
}

TEST_F(BenchCommandTest, StopLatencyTimesEveryStop) {
  CtlResult r = bench(
      {"stop-latency", "-n", "5", "-c", "2", "--vm-dir-base", emberd_->vm_base_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  expect_stop_latency(j, 5);
  EXPECT_LE(j["reply_before_exit"].get<int>(), 5);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, ScaleReportsEmberdMemoryAndFds) {
  CtlResult r = bench({"scale", "--vms", "8", "-c", "4", "--samples", "4", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  EXPECT_EQ(j["vms"]["created"], 8);
  EXPECT_EQ(j["vms"]["stopped"], 8);
  expect_summary(j["create"]["latency_us"], 8);
  expect_summary(j["stop"]["latency_us"], 8);
  const json& e = j["emberd"];
  EXPECT_EQ(e["pid"], emberd_->pid());
  EXPECT_GT(e["alive"]["rss_kib"].get<long>(), 0);
  EXPECT_GT(e["alive"]["fds"].get<long>(), e["before"]["fds"].get<long>());
  EXPECT_EQ(e["alive"]["vms"], 8);
  EXPECT_EQ(e["after"]["vms"], 0);
  EXPECT_EQ(e["ramp"].size(), 4u);
  EXPECT_TRUE(e["per_vm"]["fds"].is_number());
  expect_nothing_left();
}

TEST_F(BenchCommandTest, FloodMeasuresTheOtherClientsUnloadedAndUnderEachFlood) {
  CtlResult r = bench({"flood", "-n", "200", "--warmup", "10", "--clients", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  EXPECT_EQ(j["scenario"], "flood");
  EXPECT_TRUE(j["load_average"]["before"].is_string());
  ASSERT_EQ(j["phases"].size(), 3u);
  const std::vector<std::string> names = {"unloaded", "unread", "fast"};
  for (size_t i = 0; i < 3; ++i) {
    const json& ph = j["phases"][i];
    EXPECT_EQ(ph["flood"], names[i]);
    expect_summary(ph["latency_us"], 200);
    EXPECT_GT(ph["emberd"]["during"]["rss_kib"].get<long>(), 0);
    EXPECT_GT(ph["emberd"]["after"]["fds"].get<long>(), 0);
    EXPECT_TRUE(ph["p99_over_unloaded"].is_number());
  }
  EXPECT_GT(j["phases"][1]["flood_sent"].get<long>(), 0);
  EXPECT_EQ(j["phases"][1]["flood_answered"], 0);
  EXPECT_GT(j["phases"][2]["flood_answered"].get<long>(), 0);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, ScaleOverTheFleetLimitReportsTheFailuresAndStopsWhatItMade) {
  emberd_.reset();
  start_emberd("limits:\n  max_vms: 2\n");
  CtlResult r = bench({"scale", "--vms", "4", "-c", "1", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = report_of(r);
  EXPECT_EQ(j["vms"]["created"], 2);
  EXPECT_EQ(j["vms"]["create_failed"], 2);
  EXPECT_EQ(j["vms"]["stopped"], 2);
  int failures = 0;
  for (const auto& e : j["errors"]) {
    EXPECT_EQ(e["code"], "RESOURCE_EXHAUSTED") << e;
    failures += e["count"].get<int>();
  }
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(json::parse(r.err)["code"], "RESOURCE_EXHAUSTED");
  expect_nothing_left();
}

TEST_F(BenchCommandTest, BootWithoutAGuestTimesOutAndStopsItsVms) {
  CtlResult r = bench({"boot", "--vms", "2", "--ready-timeout", "0.3", "--vm-dir-base",
                       emberd_->vm_base_dir(), "--json"});
  EXPECT_EQ(r.exit_code, 4);  // DEADLINE_EXCEEDED: hollow VMs have no guest
  json j = report_of(r);
  EXPECT_EQ(j["vms"]["requested"], 2);
  EXPECT_EQ(j["vms"]["ready"], 0);
  EXPECT_EQ(j["vms"]["failed"], 2);
  EXPECT_EQ(j["vms"]["stopped"], 2);
  expect_summary(j["create_us"], 2);
  EXPECT_NE(r.err.find("guest-ready"), std::string::npos) << r.err;
  expect_nothing_left();
}

TEST_F(BenchCommandTest, BootCountsAGuestReadyWhenItsMarkerAppears) {
  // Stands in for the guest: the ready marker already exists when the
  // bench starts watching (any file name may be the marker).
  CtlResult r = bench({"boot", "--vms", "1", "--ready-file", "shim-state.json", "--vm-dir-base",
                       emberd_->vm_base_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = report_of(r);
  EXPECT_EQ(j["vms"]["ready"], 1);
  expect_summary(j["ready_us"], 1);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, BootCanWaitForAMarkerInsideAFile) {
  // shim-state.json stands in for a console log holding the marker.
  CtlResult r = bench({"boot", "--vms", "1", "--ready-file", "shim-state.json", "--ready-marker",
                       "\"backend\"", "--vm-dir-base", emberd_->vm_base_dir(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(report_of(r)["vms"]["ready"], 1);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, BootWithoutTheMarkerTimesOut) {
  CtlResult r = bench({"boot", "--vms", "1", "--ready-file", "shim-state.json", "--ready-marker",
                       "EMBER-GUEST-READY", "--ready-timeout", "0.3", "--vm-dir-base",
                       emberd_->vm_base_dir()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("not ready after 0.3 s (no \"EMBER-GUEST-READY\" in shim-state.json"),
            std::string::npos)
      << r.err;
  expect_nothing_left();
}

TEST_F(BenchCommandTest, MissingEmberdIsUnavailable) {
  const std::string missing = work_.path() + "/missing.sock";
  CtlResult r = run_emberctl(work_.path(), {"--address", missing, "bench", "lifecycle"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err,
            "error: UNAVAILABLE: cannot connect to " + missing + ": No such file or directory\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(BenchCommandTest, MissingVmDirBaseFailsEveryStopAndLeavesNothing) {
  CtlResult r = bench({"stop-latency", "-n", "2", "--vm-dir-base", "/nonexistent/vms", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "{\"code\":\"NOT_FOUND\",\"message\":\"VM directory base /nonexistent/vms "
            "(--vm-dir-base) does not exist\"}\n");
  json j = report_of(r);
  EXPECT_EQ(j["stops"]["started"], 2);
  EXPECT_EQ(j["stops"]["failed"], 2);
  expect_summary(j["exit_to_reply_us"], 0);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, StopLatencyStillWorksWithAConfig) {
  CtlResult r = run_emberctl(
      work_.path(), {"--address", emberd_->socket(), "bench", "stop-latency", "-n", "1", "--json"},
      "", {{"EMBER_CONFIG", emberd_->config_path()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(report_of(r)["stops"]["completed"], 1);
  expect_nothing_left();
}

TEST_F(BenchCommandTest, WrongVmDirBaseFailsAndStopsTheVmsItMade) {
  CtlResult r = bench({"rpc", "--vms", "3", "--vm-dir-base", work_.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("error: NOT_FOUND: cannot open " + work_.path() + "/default#bench-rpc-"),
            std::string::npos)
      << r.err;
  expect_nothing_left();
}

TEST_F(BenchCommandTest, BadOptionsAreUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"nosuch"},
           {"lifecycle", "-n", "0"},
           {"lifecycle", "-c", "5000"},
           {"rpc", "--methods", "StopVM"},
           {"rpc", "--in-flight", "1,0"},
           {"rpc", "--paths", "emberd,nosuch"},
           {"scale", "--vms", "0"},
           {"boot", "--ready-file", "a/b"},
           {"boot", "--ready-timeout", "0"},
           {"boot", "--ready-marker", ""},
           {"lifecycle", "--max-seconds", "-1"},
       }) {
    CtlResult r = bench(args);
    std::string joined;
    for (const auto& a : args)
      joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << r.err;
    EXPECT_EQ(r.err.rfind("error: INVALID_ARGUMENT: ", 0), 0u) << joined << r.err;
    EXPECT_EQ(r.out, "");
  }
  expect_nothing_left();
}

// Waits (inotify, bounded) until something is created in dir.
bool wait_for_entry(const std::string& dir, std::chrono::seconds timeout) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC));
  if (::inotify_add_watch(in.get(), dir.c_str(), IN_CREATE) < 0) return false;
  if (!e2e::list_dir(dir).empty()) return true;
  pollfd p{in.get(), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count() * 1000)) == 1;
}

TEST_F(BenchCommandTest, InterruptStopsStartingFinishesInFlightAndCleansUp) {
  // The VM base exists before emberd's first VM, so it can be watched.
  ASSERT_EQ(::mkdir(emberd_->vm_base_dir().c_str(), 0700), 0);
  const std::string out = work_.path() + "/out", err = work_.path() + "/err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = {EMBERCTL_PATH, "--address", emberd_->socket(), "--json", "bench",
                                   "lifecycle",   "-n",        "1000000",         "-c",     "2"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, EMBERCTL_PATH, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);

  // A VM directory means the bench is running (its signals are blocked by then).
  ASSERT_TRUE(wait_for_entry(emberd_->vm_base_dir(), std::chrono::seconds(60)));
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string err_text = read_file(err).value_or("");
  EXPECT_NE(err_text.find("interrupted: finishing the calls in flight"), std::string::npos);
  EXPECT_NE(err_text.find("\"code\":\"CANCELLED\""), std::string::npos) << err_text;
  json j = json::parse(read_file(out).value_or(""), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const auto started = j["cycles"]["started"].get<size_t>();
  EXPECT_LT(started, 1000000u);
  EXPECT_EQ(j["cycles"]["completed"].get<size_t>() + j["cycles"]["failed"].get<size_t>(), started);
  expect_nothing_left();
}

}  // namespace
}  // namespace ember::ctltest
