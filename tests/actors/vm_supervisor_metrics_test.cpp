// The supervisor's share of the metrics (actors/vm_meter.hpp): its end
// counted by cause. (The ember_vms gauge is the inventory's: inventory_test.)
#include "vm_supervisor_fixture.hpp"  // first

#include <string>

namespace ember::actors::testing {
namespace {

using msg::Method;

class VmSupervisorMetricsTest : public VmSupervisorTest {
 protected:
  bool has(const std::string& line) {
    return ("\n" + counters.render()).find("\n" + line + "\n") != std::string::npos;
  }
  bool exits(const char* cause, int n) {
    return has(std::string("ember_vm_exits_total{cause=\"") + cause + "\"} " + std::to_string(n));
  }
};

TEST_F(VmSupervisorMetricsTest, AStoppedVmCountsAsStopped) {
  auto stop = start_stopping();
  shim_reply(vm().last_call(Method::stop_vm), Code::ok);
  shim_exit(0, 0);
  ASSERT_TRUE(ending->ended);
  EXPECT_TRUE(exits("stopped", 1)) << counters.render();
}

TEST_F(VmSupervisorMetricsTest, AStopThatKilledTheShimCountsAsForced) {
  start_stopping(5);
  timer(vm().timers.at(0).second);
  shim_reply(vm().last_call(Method::stop_vm), Code::unavailable, "connection closed");
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_TRUE(exits("stop_forced", 1)) << counters.render();
  EXPECT_TRUE(exits("stopped", 0));
}

TEST_F(VmSupervisorMetricsTest, AShimDyingWhileRunningCountsByHowItDied) {
  create_running();
  shim_exit(-1, 9);
  ASSERT_TRUE(ending->ended);
  EXPECT_TRUE(exits("shim_signaled", 1)) << counters.render();
}

TEST_F(VmSupervisorMetricsTest, ALaunchThatFailedCountsAsCreateFailed) {
  call(Method::create_vm, "create");
  started(Status::ResourceExhausted("socket: Too many open files"), 0);
  ASSERT_TRUE(ending->ended);
  EXPECT_TRUE(exits("create_failed", 1)) << counters.render();
}

TEST_F(VmSupervisorMetricsTest, AVmLetGoAtShutdownIsNoExit) {
  create_running();
  detach();
  for (const char* cause :
       {"stopped", "stop_forced", "shim_exited", "shim_signaled", "create_failed", "adopt_failed"})
    EXPECT_TRUE(exits(cause, 0)) << cause << "\n" << counters.render();
}

}  // namespace
}  // namespace ember::actors::testing
