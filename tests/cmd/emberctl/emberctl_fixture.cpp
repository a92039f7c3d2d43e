#include "emberctl_fixture.hpp"

#include <utility>

namespace ember::ctltest {

void EmberctlTest::SetUp() {
  ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
  server_ = std::make_unique<RecordingServer>();
  Status st = server_->listen(socket_path());
  ASSERT_TRUE(st.ok()) << st.ToString();
}

void EmberctlTest::TearDown() {
  server_.reset();
}

CtlResult EmberctlTest::ctl(std::vector<std::string> args, const std::string& stdin_text) {
  args.insert(args.begin(), {"--address", socket_path()});
  return run_emberctl(dir(), args, stdin_text);
}

CtlResult EmberctlTest::ctl_raw(const std::vector<std::string>& args, const EnvChanges& env) {
  return run_emberctl(dir(), args, "", env);
}

RecordedCall EmberctlTest::only_call(const std::string& method) {
  std::vector<RecordedCall> calls = server_->calls();
  EXPECT_EQ(calls.size(), 1u);
  if (calls.empty()) return {};
  EXPECT_EQ(calls[0].service, "Firecracker");
  EXPECT_EQ(calls[0].method, method);
  return calls[0];
}

std::string metadata_value(const RecordedCall& call, const std::string& key) {
  for (const auto& [k, v] : call.metadata) {
    if (k == key) return v;
  }
  return "<absent>";
}

}  // namespace ember::ctltest
