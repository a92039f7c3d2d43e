// FirecrackerVmm driving fake-firecracker (a real process serving
// Firecracker's API on the VM directory's socket): every call as sent, every
// answer as mapped, and nothing left behind.
#include "shim/vmm/firecracker/firecracker_vmm.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "base/files.hpp"

#include "io/event_loop.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::shim::firecracker {
namespace {

using json = nlohmann::json;
using fctest::Recorded;

class FirecrackerVmmTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_.start_thread(); }
  void TearDown() override {
    on_loop([this] { vmm_.reset(); });
  }

  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(fctest::kDeadline), std::future_status::ready);
  }

  void make(const std::string& binary) {
    FirecrackerOptions o;
    o.binary = binary;
    o.vm_id = "vm1";
    o.vm_dir = tree_.vm_dir();
    on_loop([&] {
      vmm_ = std::make_unique<FirecrackerVmm>(loop_, o);
      vmm_->on_exit([this](Status s) { exited_.set_value(s); });
    });
  }

  // Starts op on the loop and waits for its completion, which must not run
  // inside the call.
  template <class Result, class Op>
  Result wait_for(Op op, Result timeout_value) {
    std::promise<Result> result;
    auto returned = std::make_shared<bool>(false);
    loop_.post([&, returned] {
      op([&, returned](Result r) {
        EXPECT_TRUE(*returned) << "completion ran inside the call";
        result.set_value(std::move(r));
      });
      *returned = true;
    });
    auto f = result.get_future();
    if (f.wait_for(fctest::kDeadline) != std::future_status::ready) return timeout_value;
    return f.get();
  }

  Status run(std::function<void(Vmm::Done)> op) {
    return wait_for<Status>(std::move(op), Status::DeadlineExceeded("test: no completion"));
  }

  VmSpec spec() const {
    VmSpec s;
    s.vm_id = "vm1";
    s.vcpus = 2;
    s.memory_mib = 256;
    s.kernel_image = tree_.kernel();
    s.kernel_args = "console=ttyS0 reboot=k";
    return s;
  }

  Status create(const VmSpec& s) {
    return run([&, s](Vmm::Done d) { vmm_->create(s, std::move(d)); });
  }

  Status stop(int seconds) {
    return run(
        [&, seconds](Vmm::Done d) { vmm_->stop(std::chrono::seconds(seconds), std::move(d)); });
  }

  struct MetadataAnswer {
    Status status;
    std::string text;
  };
  MetadataAnswer metadata(Vmm::MetadataOp op, const std::string& text) {
    using Pair = std::pair<Status, std::string>;
    const Pair p = wait_for<Pair>(
        [&, op, text](std::function<void(Pair)> d) {
          EXPECT_TRUE(vmm_->metadata(op, text, [d](Status s, std::string t) { d({s, t}); }));
        },
        Pair{Status::DeadlineExceeded("test: no completion"), ""});
    return {p.first, p.second};
  }

  std::pair<Status, BalloonStats> stats() {
    using Pair = std::pair<Status, BalloonStats>;
    return wait_for<Pair>(
        [&](std::function<void(Pair)> d) {
          vmm_->balloon_stats([d](Status s, BalloonStats st) { d({s, st}); });
        },
        Pair{Status::DeadlineExceeded("test: no completion"), {}});
  }

  pid_t vmm_pid() {
    pid_t pid = -1;
    on_loop([&] { pid = vmm_->vmm_pid(); });
    return pid;
  }

  static void expect_call(const Recorded& r, const std::string& method, const std::string& path,
                          const json& body) {
    EXPECT_EQ(r.method, method);
    EXPECT_EQ(r.path, path);
    EXPECT_EQ(r.json(), body) << r.method << " " << r.path << ": " << r.body;
  }

  fctest::FcTree tree_;
  io::EventLoop loop_;
  std::unique_ptr<FirecrackerVmm> vmm_;
  std::promise<Status> exited_;
};

TEST_F(FirecrackerVmmTest, CreateConfiguresTheVmInOrderAndStartsIt) {
  make(tree_.fake());
  VmSpec s = spec();
  s.root_drive = tree_.rootfs();
  s.root_drive_writable = true;
  s.drive_mounts = {DriveSpec{tree_.kernel(), false}};  // any existing file will do
  s.balloon = BalloonDevice{64, true, 5};
  const Status st = create(s);
  ASSERT_TRUE(st.ok()) << st.ToString();

  const std::string dir = tree_.vm_dir();
  EXPECT_EQ(tree_.args(), (std::vector<std::string>{"--api-sock", dir + "/firecracker.sock",
                                                    "--http-api-max-payload-size", "4194304",
                                                    "--mmds-size-limit", "1048576"}));
  const auto calls = tree_.recorded();
  ASSERT_EQ(calls.size(), 10u);
  expect_call(calls[0], "PUT", "/logger",
              {{"log_path", dir + "/fc-logs.fifo"},
               {"level", "Info"},
               {"show_level", true},
               {"show_log_origin", false}});
  expect_call(calls[1], "PUT", "/metrics", {{"metrics_path", dir + "/fc-metrics.fifo"}});
  expect_call(calls[2], "PUT", "/machine-config",
              {{"vcpu_count", 2}, {"mem_size_mib", 256}, {"smt", false}});
  expect_call(calls[3], "PUT", "/boot-source",
              {{"kernel_image_path", tree_.kernel()}, {"boot_args", "console=ttyS0 reboot=k"}});
  expect_call(calls[4], "PUT", "/drives/rootfs",
              {{"drive_id", "rootfs"},
               {"path_on_host", tree_.rootfs()},
               {"is_root_device", true},
               {"is_read_only", false}});
  expect_call(calls[5], "PUT", "/drives/drive1",
              {{"drive_id", "drive1"},
               {"path_on_host", tree_.kernel()},
               {"is_root_device", false},
               {"is_read_only", true}});
  expect_call(calls[6], "PUT", "/balloon",
              {{"amount_mib", 64}, {"deflate_on_oom", true}, {"stats_polling_interval_s", 5}});
  expect_call(calls[7], "PUT", "/mmds", json::object());
  expect_call(calls[8], "PUT", "/actions", {{"action_type", "InstanceStart"}});
  expect_call(calls[9], "GET", "/", nullptr);
  EXPECT_EQ(tree_.vm_dir_entries(),
            (std::vector<std::string>{"fc-logs.fifo", "fc-metrics.fifo", "firecracker.sock"}));
}

TEST_F(FirecrackerVmmTest, NetworkInterfacesArePutBeforeStartWithMmdsOnThoseThatAllowIt) {
  make(tree_.fake());
  VmSpec s = spec();
  RateLimiter rx;
  rx.bandwidth = TokenBucket{1000, 0, 100};
  rx.ops = TokenBucket{10, 5, 1000};
  s.network_interfaces = {{"tap0", "06:00:0a:00:00:02", false, rx, std::nullopt},
                          {"tap1", "", true, std::nullopt, RateLimiter{}}};
  const Status st = create(s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const auto calls = tree_.recorded();
  ASSERT_EQ(calls.size(), 10u);
  expect_call(calls[4], "PUT", "/network-interfaces/1",
              {{"guest_mac", "06:00:0a:00:00:02"},
               {"host_dev_name", "tap0"},
               {"iface_id", "1"},
               {"rx_rate_limiter",
                {{"bandwidth", {{"size", 1000}, {"refill_time", 100}}},
                 {"ops", {{"size", 10}, {"one_time_burst", 5}, {"refill_time", 1000}}}}}});
  expect_call(calls[5], "PUT", "/network-interfaces/2",
              {{"host_dev_name", "tap1"}, {"iface_id", "2"}, {"tx_rate_limiter", json::object()}});
  expect_call(calls[6], "PUT", "/mmds/config",
              {{"version", "V1"}, {"network_interfaces", json::array({"2"})}});
  expect_call(calls[7], "PUT", "/mmds", json::object());
  expect_call(calls[8], "PUT", "/actions", {{"action_type", "InstanceStart"}});
}

TEST_F(FirecrackerVmmTest, CreateLeavesOutDrivesAndBalloonNobodyAskedFor) {
  make(tree_.fake());
  ASSERT_TRUE(create(spec()).ok());
  for (const auto& c : tree_.recorded()) {
    EXPECT_EQ(c.path.rfind("/drives", 0), std::string::npos);
    EXPECT_NE(c.path, "/balloon");
    EXPECT_EQ(c.path.rfind("/network-interfaces", 0), std::string::npos);
    EXPECT_NE(c.path, "/mmds/config");
  }
}

TEST_F(FirecrackerVmmTest, RuntimeOperationsSendTheirCallsAndStopShutsTheGuestDown) {
  make(tree_.fake());
  VmSpec s = spec();
  s.balloon = BalloonDevice{64, false, 1};
  ASSERT_TRUE(create(s).ok());
  const std::size_t boot_calls = tree_.recorded().size();

  EXPECT_TRUE(run([&](Vmm::Done d) { vmm_->pause(std::move(d)); }).ok());
  EXPECT_TRUE(run([&](Vmm::Done d) { vmm_->resume(std::move(d)); }).ok());
  EXPECT_TRUE(run([&](Vmm::Done d) { vmm_->update_balloon(32, std::move(d)); }).ok());
  EXPECT_TRUE(
      run([&](Vmm::Done d) { vmm_->update_balloon_stats_interval(10, std::move(d)); }).ok());
  const auto [stats_status, st] = stats();
  ASSERT_TRUE(stats_status.ok()) << stats_status.ToString();
  // The fake's guest: balloon at its 32 MiB target in a 256 MiB VM.
  EXPECT_EQ(st.target_mib, 32);
  EXPECT_EQ(st.actual_mib, 32);
  EXPECT_EQ(st.target_pages, 32 * 256);
  EXPECT_EQ(st.actual_pages, 32 * 256);
  EXPECT_EQ(st.swap_in, 1);
  EXPECT_EQ(st.swap_out, 2);
  EXPECT_EQ(st.major_faults, 3);
  EXPECT_EQ(st.minor_faults, 4);
  EXPECT_EQ(st.hugetlb_allocations, 5);
  EXPECT_EQ(st.hugetlb_failures, 6);
  EXPECT_EQ(st.total_memory, 256ll << 20);
  EXPECT_EQ(st.free_memory, (256ll - 32 - 9) << 20);
  EXPECT_EQ(st.disk_caches, 7ll << 20);
  EXPECT_EQ(st.available_memory, (256ll - 32 - 2) << 20);

  EXPECT_TRUE(metadata(Vmm::MetadataOp::set, R"({"a": 1, "b": {"c": 2}})").status.ok());
  EXPECT_TRUE(metadata(Vmm::MetadataOp::update, R"({"b": {"c": null, "d": 3}})").status.ok());
  const auto got = metadata(Vmm::MetadataOp::get, "");
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_EQ(got.text, R"({"a":1,"b":{"d":3}})");

  const pid_t pid = vmm_pid();
  EXPECT_TRUE(stop(60).ok());
  EXPECT_TRUE(fctest::wait_gone(pid, std::chrono::milliseconds(0)));
  EXPECT_EQ(vmm_pid(), -1);
  EXPECT_TRUE(tree_.vm_dir_entries().empty());

  const auto calls = tree_.recorded();
  ASSERT_EQ(calls.size(), boot_calls + 9);
  const Recorded* c = &calls[boot_calls];
  expect_call(c[0], "PATCH", "/vm", {{"state", "Paused"}});
  expect_call(c[1], "PATCH", "/vm", {{"state", "Resumed"}});
  expect_call(c[2], "PATCH", "/balloon", {{"amount_mib", 32}});
  expect_call(c[3], "PATCH", "/balloon/statistics", {{"stats_polling_interval_s", 10}});
  expect_call(c[4], "GET", "/balloon/statistics", nullptr);
  EXPECT_EQ(c[5].method + " " + c[5].path + " " + c[5].body,
            R"(PUT /mmds {"a": 1, "b": {"c": 2}})");
  EXPECT_EQ(c[6].method + " " + c[6].path + " " + c[6].body,
            R"(PATCH /mmds {"b": {"c": null, "d": 3}})");
  expect_call(c[7], "GET", "/mmds", nullptr);
  expect_call(c[8], "PUT", "/actions", {{"action_type", "SendCtrlAltDel"}});
}

TEST_F(FirecrackerVmmTest, AFirecrackerFaultFailsCreateAndLeavesNothing) {
  make(tree_.fake());
  VmSpec s = spec();
  s.kernel_image = tree_.path() + "/missing-vmlinux";
  const Status st = create(s);
  EXPECT_EQ(st.code(), Code::invalid_argument);
  EXPECT_EQ(st.message(),
            "firecracker PUT /boot-source: Boot source error: The kernel file cannot be opened: "
            "No such file or directory (os error 2)");
  EXPECT_TRUE(fctest::wait_gone(tree_.pid(), std::chrono::milliseconds(0)));
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
  EXPECT_EQ(tree_.recorded().back().path, "/boot-source");
}

TEST_F(FirecrackerVmmTest, FaultsAfterStartMapToPreciseStatuses) {
  make(tree_.fake());
  VmSpec s = spec();
  s.balloon = BalloonDevice{64, false, 0};  // statistics off
  ASSERT_TRUE(create(s).ok());
  const Status off = stats().first;
  EXPECT_EQ(off.code(), Code::failed_precondition);
  EXPECT_EQ(off.message(),
            "firecracker GET /balloon/statistics: Balloon config error: Statistics for the "
            "balloon device are not enabled");
  const Status enable =
      run([&](Vmm::Done d) { vmm_->update_balloon_stats_interval(5, std::move(d)); });
  EXPECT_EQ(enable.code(), Code::failed_precondition);
  EXPECT_NE(enable.message().find("Cannot enable/disable the statistics after boot."),
            std::string::npos);
  const Status too_big = run([&](Vmm::Done d) { vmm_->update_balloon(4096, std::move(d)); });
  EXPECT_EQ(too_big.code(), Code::invalid_argument);
  EXPECT_EQ(too_big.message(),
            "firecracker PATCH /balloon: Balloon config error: Amount of pages requested is too "
            "large.");
  const Status range =
      run([&](Vmm::Done d) { vmm_->update_balloon_stats_interval(70000, std::move(d)); });
  EXPECT_EQ(range.code(), Code::invalid_argument);
  EXPECT_NE(range.message().find("invalid value: integer `70000`, expected u16"), std::string::npos)
      << range.message();
}

TEST_F(FirecrackerVmmTest, StopKillsAGuestThatIgnoresCtrlAltDel) {
  make(tree_.fake("fc", "--ignore-ctrl-alt-del"));
  ASSERT_TRUE(create(spec()).ok());
  const pid_t pid = vmm_pid();
  const Status st = stop(1);
  EXPECT_EQ(st.code(), Code::internal);
  EXPECT_EQ(st.message(), "forcefully terminated VM vm1");
  EXPECT_TRUE(fctest::wait_gone(pid, std::chrono::milliseconds(0)));
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
  EXPECT_EQ(tree_.recorded().back().body, R"({"action_type":"SendCtrlAltDel"})");
}

TEST_F(FirecrackerVmmTest, StopKillsAPausedVmAtOnce) {
  make(tree_.fake());
  ASSERT_TRUE(create(spec()).ok());
  ASSERT_TRUE(run([&](Vmm::Done d) { vmm_->pause(std::move(d)); }).ok());
  const Status st = stop(600);  // a wait would outlast the test's time limit
  EXPECT_EQ(st.code(), Code::internal);
  EXPECT_EQ(st.message(), "forcefully terminated VM vm1");
  EXPECT_EQ(tree_.recorded().back().path, "/vm");  // no SendCtrlAltDel was sent
}

TEST_F(FirecrackerVmmTest, AVmmThatDiesIsReported) {
  make(tree_.fake());
  ASSERT_TRUE(create(spec()).ok());
  ASSERT_EQ(::kill(vmm_pid(), SIGKILL), 0);
  auto f = exited_.get_future();
  ASSERT_EQ(f.wait_for(fctest::kDeadline), std::future_status::ready);
  const Status why = f.get();
  EXPECT_EQ(why.code(), Code::internal);
  EXPECT_EQ(why.message(), "firecracker killed by signal 9 (Killed) unexpectedly");
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
  EXPECT_EQ(run([&](Vmm::Done d) { vmm_->pause(std::move(d)); }).code(), Code::failed_precondition);
}

TEST_F(FirecrackerVmmTest, AProgramThatExitsAtOnceFailsCreate) {
  make(tree_.script("fc", "exit 3"));
  const Status st = create(spec());
  EXPECT_EQ(st.code(), Code::internal);
  EXPECT_EQ(st.message(), "firecracker exited with code 3 before VM vm1 was running");
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

TEST_F(FirecrackerVmmTest, AProgramThatNeverServesRunsIntoTheCreateTimeout) {
  make(tree_.script("fc", "exec sleep 600"));
  VmSpec s = spec();
  s.create_timeout = std::chrono::seconds(1);
  const Status st = create(s);
  EXPECT_EQ(st.code(), Code::deadline_exceeded);
  EXPECT_EQ(st.message(), "firecracker did not start VM vm1 within 1 s");
  EXPECT_TRUE(fctest::wait_gone(tree_.pid(), std::chrono::milliseconds(0)));
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

TEST_F(FirecrackerVmmTest, AMissingProgramFailsCreateWithNotFound) {
  make(tree_.path() + "/missing-firecracker");
  const Status st = create(spec());
  EXPECT_EQ(st.code(), Code::not_found);
  EXPECT_EQ(st.message(),
            "spawn " + tree_.path() + "/missing-firecracker: No such file or directory");
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

TEST_F(FirecrackerVmmTest, AMissingKernelIsRefusedBeforeAnythingStarts) {
  make(tree_.fake());
  VmSpec s = spec();
  s.kernel_image.clear();
  EXPECT_EQ(create(s).code(), Code::invalid_argument);
  EXPECT_EQ(tree_.pid(), -1);
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

TEST_F(FirecrackerVmmTest, CallsNeedARunningVm) {
  make(tree_.fake());
  const Status st = run([&](Vmm::Done d) { vmm_->pause(std::move(d)); });
  EXPECT_EQ(st.code(), Code::failed_precondition);
  EXPECT_EQ(st.message(), "VM vm1 is not created");
  EXPECT_EQ(metadata(Vmm::MetadataOp::get, "").status.code(), Code::failed_precondition);
  EXPECT_EQ(stop(1).code(), Code::failed_precondition);
}

TEST_F(FirecrackerVmmTest, DestroyingTheBackendKillsItsVmmAndRemovesItsFiles) {
  make(tree_.fake());
  ASSERT_TRUE(create(spec()).ok());
  const pid_t pid = vmm_pid();
  on_loop([this] { vmm_.reset(); });
  EXPECT_TRUE(fctest::wait_gone(pid, std::chrono::milliseconds(0)));
  EXPECT_TRUE(tree_.vm_dir_entries().empty());
}

// LogFifoPath / MetricsFifoPath: Firecracker is told to use them (as
// firecracker-containerd passes them to its logger and metrics), the shim
// makes them, does not read the log (it is the caller's), and removes them.
TEST_F(FirecrackerVmmTest, LogAndMetricsFifoPathsReplaceTheVmDirsFifos) {
  make(tree_.fake());
  VmSpec s = spec();
  s.log_fifo = tree_.path() + "/vm1-log.fifo";
  s.metrics_fifo = tree_.path() + "/vm1-metrics.fifo";
  ASSERT_TRUE(create(s).ok());
  const auto calls = tree_.recorded();
  ASSERT_GE(calls.size(), 2u);
  expect_call(calls[0], "PUT", "/logger",
              {{"log_path", s.log_fifo},
               {"level", "Info"},
               {"show_level", true},
               {"show_log_origin", false}});
  expect_call(calls[1], "PUT", "/metrics", {{"metrics_path", s.metrics_fifo}});
  struct stat st {};
  ASSERT_EQ(::stat(s.log_fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(::stat(s.metrics_fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(tree_.vm_dir_entries(), std::vector<std::string>{"firecracker.sock"});
  EXPECT_TRUE(stop(10).ok());
  EXPECT_NE(::access(s.log_fifo.c_str(), F_OK), 0);
  EXPECT_NE(::access(s.metrics_fifo.c_str(), F_OK), 0);
}

// JailerConfig UID/GID and CPUs: Firecracker runs as that user on those
// CPUs (firecracker-containerd's runc jailer sets the same), the FIFOs it
// opens are that user's, and the VM directory is its group's while it runs.
TEST_F(FirecrackerVmmTest, JailerIdsAndCpusAreThoseOfTheFirecrackerProcess) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing ids needs root";
  // The stand-in's script and record files live in the tree: let uid 65534 in.
  ASSERT_EQ(::chmod(tree_.path().c_str(), 0777), 0);
  make(tree_.fake());
  VmSpec s = spec();
  s.jail.uid = 65534;
  s.jail.gid = 65534;
  s.jail.cpus = {0};
  const Status st = create(s);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const std::string status =
      read_file("/proc/" + std::to_string(vmm_pid()) + "/status").value_or("");
  EXPECT_NE(status.find("\nUid:\t65534\t65534\t65534\t65534\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nGid:\t65534\t65534\t65534\t65534\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nCpus_allowed_list:\t0\n"), std::string::npos) << status;
  struct stat fifo {};
  ASSERT_EQ(::stat((tree_.vm_dir() + "/fc-logs.fifo").c_str(), &fifo), 0);
  EXPECT_EQ(fifo.st_uid, 65534u);
  EXPECT_TRUE(stop(10).ok());
  struct stat dir {};
  ASSERT_EQ(::stat(tree_.vm_dir().c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 07777, 0700u);
  EXPECT_EQ(dir.st_gid, 0u);
}

}  // namespace
}  // namespace ember::shim::firecracker
