// End to end with real VMs: emberd on its default backend (qemu), booting the
// Debian guest image under QEMU (KVM when usable, else TCG), several at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "fccontrol.pb.h"
#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/e2e/console_session.hpp"
#include "tests/shim/vmm/qemu/qemu_guest.hpp"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;
using shimtest::kBootDeadline;

constexpr int kVms = 3;

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

std::string create_request(const std::string& id) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_vcpucount(1);
  r.mutable_machinecfg()->set_memsizemib(128);
  r.mutable_balloondevice()->set_amountmib(0);
  r.mutable_balloondevice()->set_deflateonoom(true);
  return r.SerializeAsString();
}

// The QEMU processes of a shim (its children).
std::vector<pid_t> qemu_of(pid_t shim) {
  return shimtest::child_pids(shim);
}

class QemuE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shimtest::qemu_installed()) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    std::string kernel;
    Status s = shimtest::guest_kernel(&kernel);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EmberdOptions opts;
    opts.vmm_yaml = shimtest::qemu_config_yaml(kernel, 128);
    emberd = std::make_unique<Emberd>(opts);
  }

  std::string dir_of(const std::string& id) const { return emberd->vm_dir("default", id); }

  // Creates kVms VMs at once and waits until every guest printed its ready
  // line; returns their shim pids.
  std::vector<pid_t> boot_all(FcClient& client) {
    std::vector<std::future<ttrpc::CallResult>> creates;
    for (int i = 0; i < kVms; ++i) {
      creates.push_back(std::async(std::launch::async, [&client, i] {
        return client.call(Method::create_vm, create_request("q" + std::to_string(i)));
      }));
    }
    std::vector<pid_t> shims;
    for (int i = 0; i < kVms; ++i) {
      auto r = creates[i].get();
      EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
      std::string dir = dir_of("q" + std::to_string(i));
      EXPECT_TRUE(shimtest::wait_for_file(dir + "/guest-ready", kBootDeadline))
          << "guest q" << i << " never got ready\n"
          << emberd->log();
      shims.push_back(shim_pid_of(dir));
    }
    return shims;
  }

  std::vector<std::string> ctl_args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--address", emberd->socket()});
    return args;
  }
  ctltest::CtlResult ctl(const std::vector<std::string>& args) {
    return ctltest::run_emberctl(work.path(), ctl_args(args));
  }
  // The newest tombstone of id (default namespace), as `emberctl --json` shows it.
  nlohmann::json tombstone(const std::string& id) {
    auto r = ctl({"--json", "vm", "tombstone", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }

  std::unique_ptr<Emberd> emberd;
  ctltest::TempDir work;
};

TEST_F(QemuE2eTest, ThreeVmsBootConcurrentlyThroughEmberdAndStopCleanly) {
  FcClient client(emberd->socket());
  auto shims = boot_all(client);
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));
  std::vector<pid_t> qemus;
  for (pid_t shim : shims) {
    auto q = qemu_of(shim);
    ASSERT_EQ(q.size(), 1u) << "shim " << shim << " should run exactly one qemu";
    qemus.push_back(q[0]);
  }

  EXPECT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("q0")).status.ok());
  EXPECT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("q0")).status.ok());
  UpdateBalloonRequest ub;
  ub.set_vmid("q1");
  ub.set_amountmib(32);
  EXPECT_TRUE(client.call(Method::update_balloon, ub.SerializeAsString()).status.ok());
  auto stats = client.call(Method::get_balloon_stats, with_id<GetBalloonStatsRequest>("q1"));
  ASSERT_TRUE(stats.status.ok()) << stats.status.ToString();
  GetBalloonStatsResponse sr;
  ASSERT_TRUE(sr.ParseFromString(stats.payload));
  EXPECT_EQ(sr.targetmib(), 32);
  EXPECT_GT(sr.totalmemory(), 0);

  for (int i = 0; i < kVms; ++i) {
    auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("q" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
    EXPECT_FALSE(process_alive(shims[i]));
    EXPECT_FALSE(process_alive(qemus[i])) << "qemu of q" << i << " outlived StopVM";
  }
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd->state_dir()).empty());
  EXPECT_TRUE(children_of(emberd->pid()).empty());
}

TEST_F(QemuE2eTest, KilledShimTakesItsQemuAndGuestPowerOffEndsTheVm) {
  FcClient client(emberd->socket());
  auto shims = boot_all(client);
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));

  // SIGKILL of a shim: its qemu dies with it (PR_SET_PDEATHSIG), emberd
  // cleans up, the VM is unknown.
  auto qemu0 = qemu_of(shims[0]);
  ASSERT_EQ(qemu0.size(), 1u);
  ASSERT_EQ(::kill(shims[0], SIGKILL), 0);
  EXPECT_TRUE(shimtest::wait_gone(qemu0[0], 60s));
  EXPECT_TRUE(wait_gone(dir_of("q0"), 60s)) << emberd->log();
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("q0")).status.code(),
            Code::not_found);

  // The guest powers itself off: qemu exits, the shim exits, emberd forgets.
  shimtest::GuestAgent agent;
  ASSERT_TRUE(agent.connect(dir_of("q1") + "/agent.sock").ok());
  ASSERT_TRUE(agent.send("poweroff -f").ok());
  EXPECT_TRUE(wait_gone(dir_of("q1"), 120s)) << emberd->log();
  EXPECT_FALSE(process_alive(shims[1]));
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("q1")).status.code(),
            Code::not_found);

  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("q2")).status.ok());
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(children_of(emberd->pid()).empty());

  // Each left a tombstone saying how it ended, with its console's tail.
  auto killed = tombstone("q0");
  EXPECT_EQ(killed["cause"], "shim-killed") << killed.dump(2);
  EXPECT_NE(killed.value("console_tail", std::string()).find("EMBER-GUEST-READY"),
            std::string::npos);
  EXPECT_TRUE(killed["ready"].is_string());
  auto off = tombstone("q1");
  EXPECT_EQ(off["cause"], "guest-power-off") << off.dump(2);
  EXPECT_EQ(off["vmm_exit"], "the guest shut down");
  EXPECT_EQ(tombstone("q2")["cause"], "stop");
}

TEST_F(QemuE2eTest, KilledQemuIsRecordedAsAVmmCrashWithItsSignal) {
  FcClient client(emberd->socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("q0")).status.ok()) << emberd->log();
  ASSERT_TRUE(shimtest::wait_for_file(dir_of("q0") + "/guest-ready", kBootDeadline))
      << emberd->log();
  auto qemu = qemu_of(shim_pid_of(dir_of("q0")));
  ASSERT_EQ(qemu.size(), 1u);
  ASSERT_EQ(::kill(qemu[0], SIGKILL), 0);
  ASSERT_TRUE(wait_gone(dir_of("q0"), 60s)) << emberd->log();
  auto t = tombstone("q0");
  EXPECT_EQ(t["cause"], "vmm-crash") << t.dump(2);
  EXPECT_EQ(t["shim_exit"]["code"], 1);
  EXPECT_EQ(t.value("vmm_exit", std::string()).rfind("INTERNAL: qemu killed by signal 9", 0), 0u)
      << t.dump(2);
  EXPECT_NE(t.value("console_tail", std::string()).find("EMBER-GUEST-READY"), std::string::npos);
}

TEST_F(QemuE2eTest, OneVmThroughExecLogsConsoleAndItsTombstone) {
  FcClient client(emberd->socket());
  ASSERT_TRUE(client.call(Method::create_vm, create_request("q0")).status.ok()) << emberd->log();
  ASSERT_TRUE(shimtest::wait_for_file(dir_of("q0") + "/guest-ready", kBootDeadline))
      << emberd->log();

  auto exec = ctl({"vm", "exec", "q0", "--", "sh", "-c", "echo out-$((6*7)); exit 3"});
  EXPECT_EQ(exec.exit_code, 3) << exec.err;
  EXPECT_EQ(exec.out, "out-42\n");

  auto logs = ctl({"vm", "logs", "q0"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("EMBER-GUEST-READY"), std::string::npos) << logs.out;

  // The serial console: a line typed runs in the guest's shell; Ctrl-] detaches.
  ConsoleSession console(ctl_args({"vm", "console", "q0"}));
  ASSERT_TRUE(console.send("echo con-$((6*7))\n"));
  EXPECT_TRUE(console.wait_for_output("con-42", kBootDeadline)) << console.output();
  ASSERT_TRUE(console.send("\x1d"));
  EXPECT_EQ(console.wait_exit(), 0) << console.output();

  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("q0")).status.ok());
  auto t = tombstone("q0");
  EXPECT_EQ(t["cause"], "stop");
  EXPECT_EQ(t["backend"], "qemu");
  EXPECT_TRUE(t["ready"].is_string());
  EXPECT_NE(t.value("console_tail", std::string()).find("con-42"), std::string::npos) << t.dump(2);
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
}

TEST_F(QemuE2eTest, RestartedEmberdAdoptsRunningQemuVms) {
  std::vector<pid_t> shims;
  {
    FcClient client(emberd->socket());
    shims = boot_all(client);
  }
  ASSERT_EQ(shims.size(), static_cast<size_t>(kVms));
  EXPECT_EQ(emberd->stop(SIGKILL), 128 + SIGKILL);
  for (pid_t p : shims)
    EXPECT_TRUE(process_alive(p));

  emberd->restart();
  FcClient client(emberd->socket());
  for (int i = 0; i < kVms; ++i) {
    std::string id = "q" + std::to_string(i);
    auto r = client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id));
    EXPECT_TRUE(r.status.ok()) << id << ": " << r.status.ToString();
  }
  EXPECT_TRUE(client.call(Method::pause_vm, with_id<PauseVMRequest>("q2")).status.ok());
  EXPECT_TRUE(client.call(Method::resume_vm, with_id<ResumeVMRequest>("q2")).status.ok());
  for (int i = 0; i < kVms; ++i) {
    auto qemu = qemu_of(shims[i]);
    auto r = client.call(Method::stop_vm, with_id<StopVMRequest>("q" + std::to_string(i)));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
    EXPECT_FALSE(process_alive(shims[i]));
    for (pid_t q : qemu)
      EXPECT_FALSE(process_alive(q));
  }
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
  EXPECT_TRUE(list_dir(emberd->state_dir()).empty());
}

// A file's whole text ("" when it cannot be read).
std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A process's command line, its arguments joined by spaces.
std::string cmdline_of(pid_t pid) {
  std::string text = text_of("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

// A 16 MiB ext4 image at path holding /hello ("from the host"). mkfs.ext4
// comes from e2fsprogs (deploy/install-deps.sh).
bool make_ext4_image(const testsupport::TempTree& tree, const std::string& path) {
  const std::string src = tree / "image-src";
  const std::string cmd = "mkdir -p '" + src + "' && echo 'from the host' >'" + src +
                          "/hello' && truncate -s 16M '" + path + "' && mkfs.ext4 -q -F -d '" +
                          src + "' '" + path + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

CreateVMRequest drive_mount_request(const std::string& id, const std::string& image) {
  CreateVMRequest r;
  r.set_vmid(id);
  r.mutable_machinecfg()->set_memsizemib(128);
  auto* m = r.add_drivemounts();
  m->set_hostpath(image);
  m->set_vmpath("/data/vol");
  m->set_filesystemtype("ext4");
  m->add_options("noatime");
  m->set_iswritable(true);
  m->set_cachetype("Writeback");
  m->mutable_ratelimiter()->mutable_bandwidth()->set_capacity(1048576);
  m->mutable_ratelimiter()->mutable_bandwidth()->set_refilltime(100);
  m->mutable_ratelimiter()->mutable_ops()->set_capacity(1000);
  m->mutable_ratelimiter()->mutable_ops()->set_refilltime(1000);
  return r;
}

// One VM (no root drive), one DriveMount: QEMU gets the cache mode and the
// throttling, the guest mounts the ext4 image at VMPath before it is ready,
// and what the guest writes there is in the image after StopVM.
TEST_F(QemuE2eTest, ADriveMountIsMountedAtItsVmPathWithItsTypeOptionsCacheAndLimits) {
  testsupport::TempTree tree;
  const std::string image = tree / "data.ext4";
  ASSERT_TRUE(make_ext4_image(tree, image)) << "mkfs.ext4 failed (install e2fsprogs)";
  FcClient client(emberd->socket());
  auto r = client.call(Method::create_vm, drive_mount_request("d0", image).SerializeAsString());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString() << "\n" << emberd->log();
  const std::string dir = dir_of("d0");
  ASSERT_TRUE(shimtest::wait_for_file(dir + "/guest-ready", kBootDeadline)) << emberd->log();

  const auto qemu = qemu_of(shim_pid_of(dir));
  ASSERT_EQ(qemu.size(), 1u);
  EXPECT_NE(cmdline_of(qemu[0]).find(
                "-drive id=drive0,file=" + image +
                ",format=raw,if=none,readonly=off,cache=writeback,throttling.bps-total=10485760,"
                "throttling.bps-total-max=10485760,throttling.iops-total=1000,"
                "throttling.iops-total-max=1000 "),
            std::string::npos)
      << cmdline_of(qemu[0]);
  // Printed by the guest init before its ready marker.
  const std::string console = text_of(dir + "/console.log");
  const auto mounted = console.find("EMBER-GUEST-MOUNT /dev/vda /data/vol ok");
  EXPECT_NE(mounted, std::string::npos) << console;
  EXPECT_LT(mounted, console.find("EMBER-GUEST-READY")) << console;
  EXPECT_NE(text_of(dir + "/guest-ready").find(" mounts=1/1"), std::string::npos);

  shimtest::GuestAgent agent;
  ASSERT_TRUE(agent.connect(dir + "/agent.sock").ok());
  std::string out;
  ASSERT_TRUE(agent
                  .run("grep ' /data/vol ' /proc/mounts; cat /data/vol/hello; "
                       "echo 'from the guest' >/data/vol/written && sync",
                       &out)
                  .ok());
  EXPECT_NE(out.find("/dev/vda /data/vol ext4 rw,noatime"), std::string::npos) << out;
  EXPECT_NE(out.find("from the host"), std::string::npos) << out;

  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("d0")).status.ok());
  const std::string cat = "debugfs -R 'cat /written' '" + image + "' 2>/dev/null";
  std::string written;
  if (FILE* p = ::popen(cat.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p) != nullptr)
      written += buf;
    ::pclose(p);
  }
  EXPECT_EQ(written, "from the guest\n");
  EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
}

// Bad drive fields are refused before any QEMU starts, naming the field;
// what QEMU cannot honour (a one-time burst) is UNIMPLEMENTED by name.
TEST_F(QemuE2eTest, BadDriveFieldsAreRefusedByNameAndLeaveNothing) {
  FcClient client(emberd->socket());
  struct Case {
    void (*spoil)(CreateVMRequest&);
    Code code;
    std::string message;
  };
  const Case cases[] = {
      {[](CreateVMRequest& r) { r.mutable_drivemounts(0)->set_vmpath("data"); },
       Code::invalid_argument, "DriveMounts[0].VMPath \"data\" is not an absolute path"},
      {[](CreateVMRequest& r) { r.mutable_drivemounts(0)->set_filesystemtype("ext4;reboot"); },
       Code::invalid_argument,
       "DriveMounts[0].FilesystemType \"ext4;reboot\" is not a filesystem type (letters, "
       "digits, '.', '_', '-', '+'; at most 64)"},
      {[](CreateVMRequest& r) {
         r.mutable_drivemounts(0)->mutable_ratelimiter()->mutable_ops()->set_capacity(-1);
       },
       Code::invalid_argument, "DriveMounts[0].RateLimiter.Ops.Capacity -1 is negative"},
      {[](CreateVMRequest& r) {
         r.mutable_drivemounts(0)->mutable_ratelimiter()->mutable_ops()->set_onetimeburst(10);
       },
       Code::unimplemented,
       "CreateVMRequest.DriveMounts[0].RateLimiter.Ops.OneTimeBurst is not supported by the "
       "qemu backend"},
  };
  for (const Case& c : cases) {
    CreateVMRequest req = drive_mount_request("bad", "/nonexistent.ext4");
    c.spoil(req);
    auto r = client.call(Method::create_vm, req.SerializeAsString());
    EXPECT_EQ(r.status.code(), c.code) << r.status.ToString();
    EXPECT_EQ(r.status.message(), c.message);
    EXPECT_TRUE(list_dir(emberd->vm_base_dir()).empty());
    EXPECT_TRUE(list_dir(emberd->state_dir()).empty());
    EXPECT_TRUE(children_of(emberd->pid()).empty());
  }
}

}  // namespace
}  // namespace ember::e2e
