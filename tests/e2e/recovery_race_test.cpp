// End to end: emberd is SIGKILLed while a VM is half made, and a new emberd
// recovers. Whatever the moment, the VM is gone afterwards: no shim runs on
// unaccounted for (issue 12, defect 1), no shim whose CreateVM never
// completed is adopted as a VM (defect 2), and its id is free.
//
// The race windows are held open with gates instead of sleeps: a wrapper in
// place of ember-shim that waits on a FIFO before it execs the real one, a
// fake QEMU that never answers, and emberd's recovery gate
// (shimproc/recovery_gate.hpp), which holds the recovery scan between its
// decision about a VM directory and the directory's removal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

void write_script(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0700);
}

UniqueFd pidfd_of(pid_t pid) {
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

// The test's end of emberd's recovery gate: a listening unix socket.
class RecoveryGate {
 public:
  explicit RecoveryGate(const std::string& path) : path_(path) {
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_.get(), 4), 0);
  }
  // Waits (bounded) until emberd's recovery stands at the gate; the VM
  // directory it is about to remove, "" at the timeout.
  std::string wait_arrival(std::chrono::milliseconds timeout) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    held_.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string line;
    char c;
    while (::read(held_.get(), &c, 1) == 1 && c != '\n')
      line += c;
    return line;
  }
  // Lets the recovery go on.
  void release() { held_.reset(); }

 private:
  std::string path_;
  UniqueFd listener_;
  UniqueFd held_;
};

// Waits (bounded) until `file` appears in dir or the process behind pidfd
// exits, whichever comes first. True if either happened.
bool wait_file_or_exit(const std::string& dir, const std::string& file, int pidfd,
                       std::chrono::milliseconds timeout) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  ::inotify_add_watch(in.get(), dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!path_exists(dir + "/" + file)) {
    pollfd p[2] = {{in.get(), POLLIN, 0}, {pidfd, POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(p, 2, static_cast<int>(left.count())) <= 0) return false;
    if (p[1].revents != 0) return true;
    char buf[4096];
    while (::read(in.get(), buf, sizeof buf) > 0) {
    }
  }
  return true;
}

// Defect 1. The shim is still starting (a wrapper holds it before its exec)
// when emberd is SIGKILLed. The new emberd's recovery finds no state file
// and decides to remove the directory; while the gate holds it there, the
// wrapper is let go. Before the fix it exec'd the shim, which wrote its
// state into the directory just before recovery removed it, and ran on with
// no directory, no sockets and no registry entry. Now a shim that has not
// written its state file dies with the emberd that spawned it.
TEST(RecoveryRaceTest, ShimStillStartingWhenEmberdDiesDoesNotRunOnUnaccounted) {
  TempDir tools;
  const std::string shim_gate = tools / "shim-gate", pid_file = tools / "wrapper.pid";
  ASSERT_EQ(::mkfifo(shim_gate.c_str(), 0600), 0);
  // Read and write: the wrapper's open never blocks, and no write fails.
  UniqueFd gate(::open(shim_gate.c_str(), O_RDWR | O_CLOEXEC));
  write_script(tools / "slow-shim", "#!/bin/sh\necho $$ > " + pid_file + "\nread _ < " + shim_gate +
                                        "\nexec " EMBER_SHIM_PATH " \"$@\"\n");
  RecoveryGate recovery(tools / "recovery.sock");
  EmberdOptions opts;
  opts.shim_binary = tools / "slow-shim";
  opts.env = {"EMBER_TEST_RECOVERY_GATE=" + tools / "recovery.sock"};
  Emberd emberd(opts);
  const std::string dir = emberd.vm_dir("default", "starting");

  std::thread create([&emberd] {
    FcClient client(emberd.socket());
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>("starting"));
    EXPECT_FALSE(r.status.ok()) << "emberd died before the shim could answer";
  });
  ASSERT_TRUE(wait_file(pid_file, 30s)) << emberd.log();
  const pid_t shim = std::stoi(read_file(pid_file).value_or("0"));
  UniqueFd shim_fd = pidfd_of(shim);
  ASSERT_TRUE(shim_fd.valid());
  emberd.stop(SIGKILL);
  create.join();

  std::thread restart([&emberd] { emberd.restart(); });
  const std::string at = recovery.wait_arrival(30s);
  EXPECT_EQ(at.substr(at.rfind('/') + 1), "default#starting") << "recovery never reached the gate";
  // The wrapper goes on, if it still runs: the shim starts and writes its state.
  ASSERT_EQ(::write(gate.get(), "go\n", 3), 3);
  EXPECT_TRUE(wait_file_or_exit(dir, "shim-state.json", shim_fd.get(), 30s));
  recovery.release();
  restart.join();

  const bool orphan = process_alive(shim);
  EXPECT_FALSE(orphan) << "shim pid " << shim << " runs on with no VM dir and no registry entry";
  EXPECT_FALSE(path_exists(dir));
  EXPECT_TRUE(processes_under(emberd.root()).empty());
  FcClient client(emberd.socket());
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("starting")).status.code(),
            Code::not_found);
  ASSERT_EQ(::write(gate.get(), "go\n", 3), 3);  // for the next shim's wrapper
  auto again = client.call(Method::create_vm, with_id<CreateVMRequest>("starting"));
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("starting")).status.ok());
  if (orphan) {
    ::kill(-shim, SIGKILL);
    wait_process_exit(shim, 10s);
  }
}

// Defect 2. The shim serves (its state file is written) but its CreateVM
// never completes (a QEMU that never answers) when emberd is SIGKILLed.
// Before the fix the new emberd adopted it as a VM: a ghost that GetVMInfo
// called not created and that blocked its id (CreateVM: ALREADY_EXISTS). Now
// only VMs whose CreateVM answered OK are adopted; this one's shim (and its
// VMM) is killed, its directory removed, its id free.
TEST(RecoveryRaceTest, VmWhoseCreateNeverCompletedIsGoneAfterRestart) {
  TempDir tools;
  const std::string qemu_pid = tools / "qemu.pid";
  write_script(tools / "hung-qemu",
               "#!/bin/sh\necho $$ > " + qemu_pid + "\nexec tail -f /dev/null\n");
  std::ofstream(tools / "vmlinux") << "not a kernel";
  EmberdOptions opts;
  opts.vmm_yaml = "vmm:\n  backend: qemu\n  qemu_binary: " + tools / "hung-qemu" +
                  "\nvm:\n  kernel_image: " + tools / "vmlinux" + "\n";
  Emberd emberd(opts);
  const std::string dir = emberd.vm_dir("default", "half");

  std::thread create([&emberd] {
    FcClient client(emberd.socket());
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>("half"));
    EXPECT_FALSE(r.status.ok()) << "the fake QEMU never answers";
  });
  ASSERT_TRUE(wait_file(qemu_pid, 30s)) << emberd.log();
  const pid_t vmm = std::stoi(read_file(qemu_pid).value_or("0"));
  const pid_t shim = shim_pid_of(dir);
  ASSERT_GT(shim, 0);
  emberd.stop(SIGKILL);
  create.join();
  ASSERT_TRUE(process_alive(shim)) << "a serving shim outlives emberd";

  // The next emberd runs hollow VMs, so the id can be created again at once.
  std::string config = read_file(emberd.config_path()).value_or("");
  config.replace(config.find("backend: qemu"), 13, "backend: hollow");
  std::ofstream(emberd.config_path()) << config;
  emberd.restart();

  FcClient client(emberd.socket());
  EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("half")).status.code(),
            Code::not_found);
  EXPECT_FALSE(process_alive(shim)) << "the half-made VM's shim was adopted";
  EXPECT_TRUE(wait_process_exit(vmm, 10s)) << "its VMM outlived it";
  EXPECT_FALSE(path_exists(dir));
  EXPECT_EQ(list_dir(emberd.state_dir()).size(), 0u);
  auto again = client.call(Method::create_vm, with_id<CreateVMRequest>("half"));
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("half")).status.ok());
  EXPECT_TRUE(processes_under(emberd.root()).empty());
}

}  // namespace
}  // namespace ember::e2e
