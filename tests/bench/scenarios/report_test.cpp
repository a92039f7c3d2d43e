// report(): what a scenario prints for a given result, built without emberd
// (measure() is covered end to end by bench_command_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/scenarios/boot.hpp"
#include "bench/scenarios/lifecycle.hpp"
#include "bench/scenarios/rpc.hpp"
#include "bench/scenarios/scale.hpp"

namespace ember::bench {
namespace {

// A phase of `requested` operations that took 2 s.
RunStats phase(size_t requested, size_t succeeded, size_t failed) {
  RunStats st;
  st.requested = requested;
  st.started = succeeded + failed;
  st.succeeded = succeeded;
  st.failed = failed;
  st.began = Clock::now();
  st.ended = st.began + std::chrono::seconds(2);
  return st;
}

bool has_note(const Report& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

TEST(BenchScenarioReportTest, LifecycleReportsItsCountsFirstFailureAndOneTable) {
  lifecycle::Options o;
  o.count = 4;
  o.concurrency = 2;
  lifecycle::Result r;
  r.cycles = phase(4, 3, 1);
  r.cycles.errors.add(Status::Internal("boom"));
  const Report rep = lifecycle::report(o, r);
  EXPECT_EQ(rep.json.begin().key(), "scenario");
  EXPECT_EQ(rep.json["scenario"], "lifecycle");
  EXPECT_EQ(rep.json["cycles"]["completed"], 3);
  EXPECT_EQ(rep.json["cycles"]["failed"], 1);
  EXPECT_DOUBLE_EQ(rep.json["cycles_per_second"].get<double>(), 1.5);
  ASSERT_EQ(rep.tables.size(), 1u);
  EXPECT_EQ(rep.tables[0].rows.size(), 3u);  // CreateVM, StopVM, cycle
  EXPECT_TRUE(has_note(rep, "1 cycle(s) failed; first: INTERNAL: boom"));
}

TEST(BenchScenarioReportTest, ForcedStopsAreCountedApartFromFailures) {
  lifecycle::Options o;
  o.count = 4;
  lifecycle::Result r;
  r.cycles = phase(4, 4, 0);
  r.forced_stops = 2;
  const Report rep = lifecycle::report(o, r);
  EXPECT_EQ(rep.json["cycles"]["completed"], 4);
  EXPECT_EQ(rep.json["cycles"]["forced_stops"], 2);
  EXPECT_EQ(rep.json["cycles"]["failed"], 0);
  EXPECT_TRUE(has_note(rep, "2 stop(s) had to kill the VM"));
}

TEST(BenchScenarioReportTest, BootSaysAllReadyOnlyWhenEveryGuestWas) {
  boot::Options o;
  o.vms = 3;
  boot::Result r;
  r.booted = phase(3, 0, 3);
  EXPECT_NE(boot::report(o, r).tables[0].title.find("0 of 3 guests ready"), std::string::npos);
  EXPECT_EQ(boot::report(o, r).tables[0].title.find("all ready"), std::string::npos);
  EXPECT_NE(boot::report(o, r).tables[0].title.find("none ready after 2.00 s"), std::string::npos)
      << boot::report(o, r).tables[0].title;
  r.booted = phase(3, 2, 1);
  EXPECT_NE(boot::report(o, r).tables[0].title.find("1 not ready after"), std::string::npos);
  r.booted = phase(3, 3, 0);
  EXPECT_NE(boot::report(o, r).tables[0].title.find("all ready in 2.00 s"), std::string::npos);
}

rpc::Series series(const std::string& path, double p50_us) {
  rpc::Series s;
  s.method = "GetVMInfo";
  s.in_flight = 1;
  s.path = path;
  s.run = phase(10, 10, 0);
  s.latency.count = 10;
  s.latency.p50_us = p50_us;
  s.latency.p99_us = 2 * p50_us;
  return s;
}

TEST(BenchScenarioReportTest, RpcPairsEachShimRowWithTheEmberdRowBeforeIt) {
  rpc::Options o;
  o.vms = 2;
  rpc::Result r;
  r.shim_vm = "vm0";
  r.series = {series("emberd", 100), series("shim", 60), series("emberd-all", 110)};
  const Report rep = rpc::report(o, r);
  ASSERT_EQ(rep.json["series"].size(), 3u);
  ASSERT_EQ(rep.json["emberd_added_us"].size(), 1u);
  EXPECT_DOUBLE_EQ(rep.json["emberd_added_us"][0]["p50"].get<double>(), 40);
  EXPECT_DOUBLE_EQ(rep.json["emberd_added_us"][0]["p99"].get<double>(), 80);
  ASSERT_EQ(rep.tables.size(), 1u);
  const auto& rows = rep.tables[0].rows;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].back(), "");
  EXPECT_EQ(rows[1].back(), "40.0 µs");
  EXPECT_EQ(rows[2].back(), "");
  EXPECT_TRUE(has_note(rep, "calls for VM vm0 through emberd"));
}

TEST(BenchScenarioReportTest, ScaleWithoutEmberdsPidReportsUnknownProbesAsNull) {
  scale::Options o;
  o.vms = 3;
  scale::Result r;
  r.created = phase(3, 3, 0);
  r.stopped = phase(3, 3, 0);
  const Report rep = scale::report(o, r);
  const auto& emberd = rep.json["emberd"];
  EXPECT_TRUE(emberd["pid"].is_null());
  EXPECT_TRUE(emberd["before"]["rss_kib"].is_null());
  EXPECT_TRUE(emberd["alive"]["fds"].is_null());
  EXPECT_TRUE(emberd["per_vm"].is_null());
  ASSERT_EQ(rep.tables.size(), 2u);
  EXPECT_EQ(rep.tables[1].title, "emberd (pid unknown)");
  EXPECT_EQ(rep.tables[1].rows[0], (std::vector<std::string>{"before", "0", "?", "?"}));
  EXPECT_TRUE(has_note(rep, "emberd's pid is unknown: pass --emberd-pid"));
}

TEST(BenchScenarioReportTest, ScalePerVmFiguresAreTheGrowthWhileAllWereAlive) {
  scale::Options o;
  o.vms = 4;
  scale::Result r;
  r.emberd_pid = 42;
  r.created = phase(4, 4, 0);
  r.before = {0, 1000, 10};
  r.alive = {4, 1400, 30};
  const Report rep = scale::report(o, r);
  EXPECT_DOUBLE_EQ(rep.json["emberd"]["per_vm"]["fds"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(rep.json["emberd"]["per_vm"]["rss_kib"].get<double>(), 100);
  EXPECT_TRUE(has_note(rep, "per VM while alive: 5.00 fds, 100.0 KiB RSS"));
}

}  // namespace
}  // namespace ember::bench
