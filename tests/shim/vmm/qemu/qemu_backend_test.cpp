// A real QEMU VM (TCG here) run by the real ember-shim, driven over its
// fccontrol socket: boot to the guest's ready marker, pause and resume as the
// guest sees them, the balloon as the guest driver reports it, metadata, and
// a clean stop; then CreateVM failures that must leave nothing behind.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "tests/shim/vmm/qemu/qemu_vm_fixture.hpp"

namespace ember::shimtest {
namespace {

using std::chrono::milliseconds;

bool is_socket(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

class QemuBackendTest : public QemuVmTest {
 protected:
  // The balloon as the guest driver reports it, once it has reached want_mib.
  // No event reaches a fccontrol client, so this asks again every 250 ms.
  Status balloon_reaches(int64_t want_mib, GetBalloonStatsResponse* stats) {
    const auto end = std::chrono::steady_clock::now() + kBootDeadline;
    for (;;) {
      Status s = call_vm<GetBalloonStatsRequest>("GetBalloonStats", stats);
      if (!s.ok() || stats->actualmib() == want_mib) return s;
      if (std::chrono::steady_clock::now() > end) {
        return Status::DeadlineExceeded("balloon at " + std::to_string(stats->actualmib()) +
                                        " MiB, not " + std::to_string(want_mib));
      }
      std::this_thread::sleep_for(milliseconds(250));
    }
  }
};

TEST_F(QemuBackendTest, BootsPausesResumesBalloonsAndStopsAVm) {
  CreateVMRequest req = create_request(/*balloon=*/true);
  req.mutable_balloondevice()->set_amountmib(32);
  CreateVMResponse created;
  Status s = call("CreateVM", req, &created);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << shim_.output();
  EXPECT_EQ(created.socketpath(), file("firecracker.sock"));
  EXPECT_TRUE(is_socket(created.socketpath())) << "QMP lives at the reported SocketPath";
  // No FIFO was asked for, so QEMU has none: none is reported.
  EXPECT_EQ(created.logfifopath(), "");
  EXPECT_EQ(created.metricsfifopath(), "");
  EXPECT_TRUE(is_socket(file("agent.sock")));
  const pid_t qemu = qemu_pid();
  ASSERT_GT(qemu, 0);
  EXPECT_EQ(
      read_file("/proc/" + std::to_string(qemu) + "/comm").value_or("").rfind("qemu-system", 0),
      0u);

  ASSERT_TRUE(guest_ready());
  EXPECT_EQ(read_file(file("guest-ready")).value_or("").rfind("EMBER-GUEST-READY uptime=", 0), 0u);
  EXPECT_NE(read_file(file("console.log")).value_or("").find("EMBER-GUEST-READY"),
            std::string::npos);

  GuestAgent agent;
  ASSERT_TRUE(agent.connect(file("agent.sock")).ok());
  std::string out;
  ASSERT_TRUE(agent.run("cat /run/ember/vm-id", &out).ok()) << out;
  EXPECT_EQ(out, "vm1") << "QEMU's fw_cfg hands the VM id to the guest";

  // Paused, the guest cannot answer; resumed, it does.
  ASSERT_TRUE(call_vm<PauseVMRequest>("PauseVM").ok());
  ASSERT_TRUE(agent.send("echo after-pause").ok());
  EXPECT_EQ(agent.read_reply(milliseconds(1500), &out).code(), Code::deadline_exceeded);
  ASSERT_TRUE(call_vm<ResumeVMRequest>("ResumeVM").ok());
  ASSERT_TRUE(agent.read_reply(kBootDeadline, &out).ok());
  EXPECT_EQ(out, "after-pause\n");

  GetBalloonConfigResponse config;
  ASSERT_TRUE(call_vm<GetBalloonConfigRequest>("GetBalloonConfig", &config).ok());
  EXPECT_EQ(config.balloonconfig().amountmib(), 32);
  EXPECT_TRUE(config.balloonconfig().deflateonoom());
  EXPECT_EQ(config.balloonconfig().statspollingintervals(), 1);
  GetBalloonStatsResponse stats;
  s = balloon_reaches(32, &stats);
  ASSERT_TRUE(s.ok()) << "the balloon asked for at CreateVM: " << s.ToString();

  UpdateBalloonRequest inflate;
  inflate.set_vmid("vm1");
  inflate.set_amountmib(96);
  ASSERT_TRUE(call("UpdateBalloon", inflate).ok());
  s = balloon_reaches(96, &stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stats.actualpages(), 96 * 256);
  EXPECT_EQ(stats.targetmib(), 96);
  EXPECT_EQ(stats.targetpages(), 96 * 256);
  EXPECT_GT(stats.totalmemory(), 32 << 20);
  EXPECT_LE(stats.totalmemory(), int64_t{kMemoryMib} << 20);
  EXPECT_GT(stats.freememory(), 0);
  EXPECT_LE(stats.freememory(), stats.totalmemory());
  EXPECT_GT(stats.availablememory(), 0);
  EXPECT_GT(stats.minorfaults(), 0);

  UpdateBalloonStatsRequest interval;
  interval.set_vmid("vm1");
  interval.set_statspollingintervals(2);
  ASSERT_TRUE(call("UpdateBalloonStats", interval).ok());
  ASSERT_TRUE(call_vm<GetBalloonConfigRequest>("GetBalloonConfig", &config).ok());
  EXPECT_EQ(config.balloonconfig().amountmib(), 96);
  EXPECT_EQ(config.balloonconfig().statspollingintervals(), 2);

  SetVMMetadataRequest set;
  set.set_vmid("vm1");
  set.set_metadata(R"({"a": 1, "b": {"c": 2, "d": [1, 2]}})");
  ASSERT_TRUE(call("SetVMMetadata", set).ok());
  UpdateVMMetadataRequest update;
  update.set_vmid("vm1");
  update.set_metadata(R"({"b": {"c": null, "e": "x"}, "f": true})");
  ASSERT_TRUE(call("UpdateVMMetadata", update).ok());
  GetVMMetadataResponse metadata;
  ASSERT_TRUE(call_vm<GetVMMetadataRequest>("GetVMMetadata", &metadata).ok());
  EXPECT_EQ(nlohmann::json::parse(metadata.metadata()),
            nlohmann::json::parse(R"({"a": 1, "b": {"d": [1, 2], "e": "x"}, "f": true})"));

  StopVMRequest stop;
  stop.set_vmid("vm1");
  stop.set_timeoutseconds(60);
  s = call("StopVM", stop);
  EXPECT_TRUE(s.ok()) << "a ready guest powers off by itself: " << s.ToString();
  EXPECT_TRUE(wait_gone(qemu, milliseconds(0))) << "StopVM answers after QEMU was reaped";
  EXPECT_TRUE(nothing_left());
  EXPECT_EQ(shim_.wait_exit(), 0);
}

TEST_F(QemuBackendTest, MissingKernelFailsCreateAndLeavesNothing) {
  CreateVMRequest req = create_request(false);
  req.set_kernelimagepath(dir() + "/no-such-vmlinuz");
  EXPECT_EQ(call("CreateVM", req), Status::NotFound("kernel image " + dir() +
                                                    "/no-such-vmlinuz: No such file or directory"));
  EXPECT_TRUE(child_pids(shim_.pid()).empty());
  EXPECT_TRUE(nothing_left());
  EXPECT_TRUE(shim_.running());
  // Nothing of the failed attempt is in the way of a corrected request.
  Status s = call("CreateVM", create_request(false));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(qemu_pid(), 0);
}

TEST_F(QemuBackendTest, KernelQemuCannotLoadFailsCreateWithQemusMessage) {
  const std::string bad = shim_.vm_dir().path() + "/../bad-kernel";
  std::ofstream(bad) << "not a kernel\n";
  CreateVMRequest req = create_request(false);
  req.set_kernelimagepath(bad);
  Status s = call("CreateVM", req);
  ::unlink(bad.c_str());
  EXPECT_EQ(s, Status::Internal(
                   "qemu exited with code 1 before the VM ran: qemu: invalid kernel header"));
  EXPECT_TRUE(child_pids(shim_.pid()).empty());
  EXPECT_TRUE(nothing_left());
  EXPECT_TRUE(shim_.running());
}

TEST_F(QemuBackendTest, MissingQemuBinaryFailsCreateAndLeavesNothing) {
  ShimUnderTest other;
  ShimOptions opts;
  opts.id = "vm2";
  opts.config_yaml =
      "vmm:\n  backend: qemu\n  qemu_binary: /nonexistent/qemu\nvm:\n  kernel_image: " + kernel_ +
      "\n";
  ASSERT_TRUE(other.start(opts).ok());
  CreateVMRequest req;
  req.set_vmid("vm2");
  ttrpc::CallOptions deadline;
  deadline.timeout = std::chrono::seconds(kBootDeadline);
  EXPECT_EQ(
      other.call("CreateVM", req, nullptr, deadline),
      Status::FailedPrecondition("qemu binary /nonexistent/qemu is missing or not executable"));
  EXPECT_TRUE(child_pids(other.pid()).empty());
  auto names = dir_entries(other.vm_dir().path());
  names.erase("shim-state.json");
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace ember::shimtest
