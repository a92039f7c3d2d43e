// The control-plane scenarios refuse a backend whose guests boot: they would
// time the boot, not the calls. Against fake-firecracker (Firecracker's
// published API; the real one needs /dev/kvm).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "shim/vmm/firecracker/firecracker_preflight.hpp"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::bench {
namespace {

using ctltest::CtlResult;
using ctltest::run_emberctl;
using ctltest::TempDir;

class BenchBackendTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    e2e::EmberdOptions opts;
    opts.vmm_yaml = "vmm:\n  backend: firecracker\n  firecracker_binary: " + tree_.fake() +
                    "\nvm:\n  kernel_image: " + tree_.kernel() + "\n";
    opts.env = {std::string(shim::firecracker::kTestKvmDeviceEnv) + "=/dev/null"};
    emberd_ = std::make_unique<e2e::Emberd>(opts);
  }

  fctest::FcTree tree_;
  TempDir work_;
  std::unique_ptr<e2e::Emberd> emberd_;
};

TEST_P(BenchBackendTest, RefusesABackendWhoseGuestsBootAndLeavesNothing) {
  CtlResult r = run_emberctl(
      work_.path(), {"--address", emberd_->socket(), "bench", GetParam(), "-n", "3", "--json"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("FAILED_PRECONDITION"), std::string::npos) << all;
  EXPECT_NE(all.find("needs emberd's hollow backend"), std::string::npos) << all;
  EXPECT_NE(all.find("runs firecracker VMs"), std::string::npos) << all;
  // Only the probe ran, and it was stopped: no VM dir is left.
  EXPECT_TRUE(list_dir(emberd_->vm_base_dir()).empty()) << emberd_->log();
}

INSTANTIATE_TEST_SUITE_P(Scenarios, BenchBackendTest,
                         ::testing::Values("lifecycle", "stop-latency"));

}  // namespace
}  // namespace ember::bench
