// The JSON log's fields: which VM a message is about, and a shim's own
// timestamp, level and pid for the lines it wrote.
#include "cmd/emberd/log_fields.hpp"

#include <gtest/gtest.h>

namespace ember {
namespace {

TEST(LogFieldsTest, AShimsOwnLineKeepsItsTimestampLevelAndPid) {
  LogFields f = log_fields(
      "shim ns1/vm-1: 2026-12-01T18:00:00.123 warning ember-shim[4242] ns1/vm-1: guest slow");
  EXPECT_EQ(f.ns, "ns1");
  EXPECT_EQ(f.id, "vm-1");
  EXPECT_EQ(f.pid, 4242);
  EXPECT_EQ(f.ts, "2026-12-01T18:00:00.123");
  EXPECT_EQ(f.level, "warning");
  EXPECT_EQ(f.msg, "guest slow");
  EXPECT_EQ(f.source, "ember-shim");
}

TEST(LogFieldsTest, OtherOutputOfAShimIsTheVmmsWithoutItsOwnLevel) {
  LogFields f = log_fields("shim ns1/vm1: qemu-system-x86_64: warning: something");
  EXPECT_EQ(f.ns, "ns1");
  EXPECT_EQ(f.id, "vm1");
  EXPECT_EQ(f.pid, 0);
  EXPECT_EQ(f.ts, "");
  EXPECT_EQ(f.level, "");
  EXPECT_EQ(f.msg, "qemu-system-x86_64: warning: something");
  EXPECT_EQ(f.source, "vmm");
}

TEST(LogFieldsTest, AMessageAboutAVmNamesItAndKeepsItsText) {
  LogFields f = log_fields("VM team.a/web-1: stopping (timeout 5000 ms)");
  EXPECT_EQ(f.ns, "team.a");
  EXPECT_EQ(f.id, "web-1");
  EXPECT_EQ(f.msg, "VM team.a/web-1: stopping (timeout 5000 ms)");
  EXPECT_EQ(f.source, "emberd");
}

TEST(LogFieldsTest, OtherMessagesHaveNoFields) {
  for (const char* m : {"emberd listening on /run/ember/ember.sock (backend qemu, config x)",
                        "VM without a name", "shim : nothing", "VM a b/c: no", "shim /x: no"}) {
    LogFields f = log_fields(m);
    EXPECT_EQ(f.ns, "") << m;
    EXPECT_EQ(f.id, "") << m;
    EXPECT_EQ(f.msg, m);
  }
}

}  // namespace
}  // namespace ember
