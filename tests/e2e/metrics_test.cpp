// End to end: emberd's Prometheus endpoint (metrics.listen) with a real
// emberd and hollow shims. The scrape is checked by Debian's `promtool check
// metrics`, and a real `prometheus` scraping emberd must report it up.
#include <gtest/gtest.h>
#include <signal.h>

#include "fccontrol.pb.h"
#include "tests/e2e/prometheus_process.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

EmberdOptions with_metrics_on(const std::string& listen) {
  EmberdOptions o;
  o.extra_yaml = "metrics:\n  listen: \"" + listen + "\"\n";
  return o;
}

// Two VMs created, one stopped, one call refused: something in every family.
void drive_vms(FcClient& client, const Emberd& emberd) {
  for (const char* id : {"m1", "m2"}) {
    auto r = client.call(Method::create_vm, small_vm_request(id));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd.log();
  }
  ASSERT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("m1")).status.ok());
  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("m1")).status.ok());
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("nope")).status.code(),
            Code::not_found);
}

// The ember_vms sample of state, -1 when there is none.
double vms_in(const std::string& text, const std::string& state) {
  const std::string key = "\nember_vms{state=\"" + state + "\",backend=\"hollow\"} ";
  const size_t at = ("\n" + text).find(key);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + key.size() - 1));
}

// A running VM shows as booting until its shim's status stream said ready,
// which a hollow VM does at once, but after CreateVM's answer.
void expect_one_running(const std::string& text) {
  EXPECT_EQ(vms_in(text, "booting") + vms_in(text, "ready"), 1) << text;
  for (const char* other : {"creating", "paused", "stopping", "boot-failed"})
    EXPECT_EQ(vms_in(text, other), 0) << other << "\n" << text;
}

void expect_counts_of_drive_vms(const std::string& text) {
  expect_one_running(text);
  EXPECT_TRUE(has_line(text, "ember_vms{state=\"creating\",backend=\"hollow\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"CreateVM\",code=\"OK\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"StopVM\",code=\"OK\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"GetVMInfo\",code=\"NOT_FOUND\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "ember_call_duration_seconds_count{method=\"CreateVM\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ember_vm_exits_total{cause=\"stopped\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ember_shim_spawn_duration_seconds_count 2")) << text;
  EXPECT_TRUE(has_line(text, "ember_journal_dropped_records_total 0")) << text;
}

TEST(MetricsEndpointTest, ScrapeAfterDrivingVmsCountsThemAndPassesPromtool) {
  if (!prometheus_installed()) GTEST_SKIP() << "prometheus/promtool not installed";
  uint16_t port = free_loopback_port();
  Emberd emberd(with_metrics_on("127.0.0.1:" + std::to_string(port)));
  FcClient client(emberd.socket());
  drive_vms(client, emberd);

  int status = 0;
  std::string text = http_get(port, "/metrics", &status);
  ASSERT_EQ(status, 200) << emberd.log();
  expect_counts_of_drive_vms(text);
  std::string promtool;
  EXPECT_EQ(promtool_check_metrics(emberd.root(), text, &promtool), 0) << promtool << "\n" << text;
  EXPECT_EQ(promtool, "") << text;
}

TEST(MetricsEndpointTest, UnixSocketServesTheSameTextAndIsRemovedAtExit) {
  TempDir dir;
  std::string path = dir.path() + "/metrics.sock";
  Emberd emberd(with_metrics_on(path));
  FcClient client(emberd.socket());
  drive_vms(client, emberd);
  int status = 0;
  std::string text = http_get(0, "/metrics", &status, path);
  ASSERT_EQ(status, 200) << emberd.log();
  expect_counts_of_drive_vms(text);
  http_get(0, "/other", &status, path);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(emberd.stop(SIGTERM), 0) << emberd.log();
  EXPECT_FALSE(path_exists(path));
}

TEST(MetricsEndpointTest, ASocketInUseStopsEmberdAtStartNamingIt) {
  TempDir dir;
  std::string path = dir.path() + "/taken.sock";
  Emberd holder(with_metrics_on(path));
  try {
    Emberd second(with_metrics_on(path));
    ADD_FAILURE() << "a second emberd served metrics on " << path;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a server is already listening on " + path),
              std::string::npos)
        << e.what();
  }
}

TEST(MetricsEndpointTest, ARestartedEmberdCountsTheVmsItAdopted) {
  TempDir dir;
  std::string path = dir.path() + "/metrics.sock";
  Emberd emberd(with_metrics_on(path));
  {
    FcClient client(emberd.socket());
    drive_vms(client, emberd);
  }
  ASSERT_EQ(emberd.stop(SIGTERM), 0) << emberd.log();  // m2's shim keeps running
  emberd.restart();
  int status = 0;
  std::string text = http_get(0, "/metrics", &status, path);
  ASSERT_EQ(status, 200) << emberd.log();
  EXPECT_TRUE(has_line(text, "ember_vm_adoptions_total{result=\"adopted\"} 1")) << text;
  expect_one_running(text);
  EXPECT_TRUE(has_line(text, "ember_vm_exits_total{cause=\"stopped\"} 0")) << text;
}

TEST(MetricsEndpointTest, RealPrometheusScrapingEmberdReportsTheTargetUp) {
  if (!prometheus_installed()) GTEST_SKIP() << "prometheus/promtool not installed";
  uint16_t port = free_loopback_port();
  Emberd emberd(with_metrics_on("127.0.0.1:" + std::to_string(port)));
  FcClient client(emberd.socket());
  drive_vms(client, emberd);
  TempDir dir;
  Prometheus prometheus(dir.path(), port);
  EXPECT_EQ(prometheus.wait_target_health(60s), "up") << prometheus.log() << "\n" << emberd.log();
}

}  // namespace
}  // namespace ember::e2e
