// VM events in a real containerd (Debian's package, started here with its own
// root, state and sockets): emberd's containerd_address points at it, each
// shim forwards /firecracker-vm/start and /firecracker-vm/stop to its ttrpc
// events service, and `ctr events`, filtered in containerd by namespace and
// topic, shows them. A containerd that goes away costs events, never a call.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fccontrol.pb.h"
#include "tests/e2e/containerd_process.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

const std::string kNs = "evns";
constexpr std::chrono::seconds kEventDeadline{60};

// Only the events of `topic` in namespace kNs pass.
std::string only(const std::string& topic) {
  return "namespace==" + kNs + ",topic==\"" + topic + "\"";
}
const std::string kStartSeen = "type with url VMStart:";
const std::string kStopSeen = "type with url VMStop:";

class ContainerdEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!containerd_installed()) {
      GTEST_SKIP() << "containerd or ctr is not installed (deploy/install-deps.sh installs the "
                      "Debian package containerd)";
    }
    containerd_ = std::make_unique<Containerd>(dir_.path());
  }

  std::unique_ptr<Emberd> start_emberd(const std::string& vmm_yaml = "vmm:\n  backend: hollow\n") {
    EmberdOptions opts;
    opts.vmm_yaml = vmm_yaml;
    opts.extra_yaml = "containerd_address: " + containerd_->address() + "\n";
    return std::make_unique<Emberd>(opts);
  }

  // Creates and stops VM id, checking that containerd shows its start and
  // then its stop in namespace kNs. A real guest is let boot first, so that
  // it shuts down cleanly (a forced stop is a stop event too, but not OK).
  void start_and_stop_are_seen(Emberd& emberd, const std::string& id, bool real_guest = false) {
    CtrEvents starts(containerd_->address(), {only("/firecracker-vm/start")});
    CtrEvents stops(containerd_->address(), {only("/firecracker-vm/stop")});
    FcClient client(emberd.socket());
    auto r = client.call(Method::create_vm, small_vm_request(id), kNs);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd.log();
    EXPECT_TRUE(starts.wait_for_line(kStartSeen, kEventDeadline)) << starts.output() << "\n"
                                                                  << emberd.log();
    if (real_guest) {
      ASSERT_TRUE(
          shimtest::wait_for_file(emberd.vm_dir(kNs, id) + "/guest-ready", shimtest::kBootDeadline))
          << emberd.log();
    }
    r = client.call(Method::stop_vm, with_id<StopVMRequest>(id), kNs);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd.log();
    EXPECT_TRUE(stops.wait_for_line(kStopSeen, kEventDeadline)) << stops.output() << "\n"
                                                                << emberd.log();
  }

  TempDir dir_;
  std::unique_ptr<Containerd> containerd_;
};

TEST_F(ContainerdEventsTest, AHollowVmsStartAndStopReachContainerdInItsNamespace) {
  auto emberd = start_emberd();
  start_and_stop_are_seen(*emberd, "hollow1");
}

TEST_F(ContainerdEventsTest, AQemuVmsStartAndStopReachContainerdInItsNamespace) {
  if (!shimtest::qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
  std::string kernel;
  Status s = shimtest::guest_kernel(&kernel);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto emberd = start_emberd(shimtest::qemu_config_yaml(kernel, 128));
  start_and_stop_are_seen(*emberd, "qemu1", /*real_guest=*/true);
}

TEST_F(ContainerdEventsTest, AContainerdStoppedMidRunLosesEventsButNoCall) {
  auto emberd = start_emberd();
  FcClient client(emberd->socket());
  {
    CtrEvents starts(containerd_->address(), {only("/firecracker-vm/start")});
    auto r = client.call(Method::create_vm, small_vm_request("v1"), kNs);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(starts.wait_for_line(kStartSeen, kEventDeadline)) << starts.output();
  }

  containerd_->stop();
  // Each call is answered as usual; the events have nowhere to go.
  auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("v1"), kNs);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
  r = client.call(Method::create_vm, small_vm_request("v2"), kNs);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
  GetVMInfoRequest info;
  info.set_vmid("v2");
  EXPECT_TRUE(client.call(Method::get_vm_info, info.SerializeAsString(), kNs).status.ok());

  // containerd is back: the shim of v2, which lost its start event or kept
  // it queued, forwards its stop; a new VM's events arrive as before.
  containerd_->start();
  {
    CtrEvents stops(containerd_->address(), {only("/firecracker-vm/stop")});
    r = client.call(Method::stop_vm, with_id<StopVMRequest>("v2"), kNs);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
    EXPECT_TRUE(stops.wait_for_line(kStopSeen, kEventDeadline)) << stops.output() << "\n"
                                                                << emberd->log();
  }
  start_and_stop_are_seen(*emberd, "v3");
}

}  // namespace
}  // namespace ember::e2e
