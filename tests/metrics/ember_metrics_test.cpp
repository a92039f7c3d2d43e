// emberd's metric families as rendered: names, labels and the values the
// updates leave, without any server.
#include "metrics/ember_metrics.hpp"

#include <gtest/gtest.h>

namespace ember::metrics {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

Metrics make() {
  return Metrics({"CreateVM", "StopVM"}, "hollow");
}

TEST(MetricsTest, EveryFamilyHasHelpAndType) {
  Metrics m = make();
  std::string text = m.render();
  for (const char* family :
       {"ember_vms gauge", "ember_vm_exits_total counter", "ember_calls_total counter",
        "ember_call_duration_seconds histogram", "ember_shim_spawn_duration_seconds histogram",
        "ember_start_time_seconds gauge", "ember_vm_adoptions_total counter",
        "ember_recovery_killed_shims_total counter",
        "ember_journal_dropped_records_total counter"}) {
    std::string name = std::string(family).substr(0, std::string(family).find(' '));
    EXPECT_TRUE(has_line(text, std::string("# TYPE ") + family)) << family << "\n" << text;
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
  }
}

TEST(MetricsTest, VmGaugeFollowsStatesAndExitsCountByCause) {
  Metrics m = make();
  m.vm_entered(VmState::creating);
  m.vm_left(VmState::creating);
  m.vm_entered(VmState::ready);
  m.vm_entered(VmState::ready);
  m.vm_left(VmState::ready);
  m.vm_exited(ExitCause::stopped);
  std::string text = m.render();
  EXPECT_TRUE(has_line(text, "ember_vms{state=\"creating\",backend=\"hollow\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ember_vms{state=\"ready\",backend=\"hollow\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ember_vms{state=\"boot-failed\",backend=\"hollow\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "ember_vm_exits_total{cause=\"stopped\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "ember_vm_exits_total{cause=\"shim_signaled\"} 0")) << text;
}

TEST(MetricsTest, CallsAppearByMethodAndCodeOnceSeen) {
  Metrics m = make();
  m.record_call(0, 0, 3ms);
  m.record_call(0, 0, 4ms);
  m.record_call(1, 5, 1ms);
  m.record_call(7, 0, 1ms);   // no such method: ignored
  m.record_call(0, 99, 1ms);  // no such code: UNKNOWN
  std::string text = m.render();
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"CreateVM\",code=\"OK\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"CreateVM\",code=\"UNKNOWN\"} 1"));
  EXPECT_TRUE(has_line(text, "ember_calls_total{method=\"StopVM\",code=\"NOT_FOUND\"} 1"));
  EXPECT_EQ(text.find("code=\"ALREADY_EXISTS\""), std::string::npos);
  EXPECT_TRUE(has_line(text, "ember_call_duration_seconds_count{method=\"CreateVM\"} 3"));
  EXPECT_TRUE(
      has_line(text, "ember_call_duration_seconds_bucket{method=\"StopVM\",le=\"+Inf\"} 1"));
}

TEST(MetricsTest, RecoveryAndJournalDropsAreCounted) {
  Metrics m = make();
  EXPECT_TRUE(has_line(m.render(), "ember_journal_dropped_records_total 0"));
  m.recovered(3, 1, 2);
  m.set_journal_drops([] { return uint64_t{17}; });
  m.shim_spawned(20ms);
  std::string text = m.render();
  EXPECT_TRUE(has_line(text, "ember_vm_adoptions_total{result=\"adopted\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "ember_vm_adoptions_total{result=\"failed\"} 1"));
  EXPECT_TRUE(has_line(text, "ember_recovery_killed_shims_total 2"));
  EXPECT_TRUE(has_line(text, "ember_journal_dropped_records_total 17"));
  EXPECT_TRUE(has_line(text, "ember_shim_spawn_duration_seconds_count 1"));
}

}  // namespace
}  // namespace ember::metrics
