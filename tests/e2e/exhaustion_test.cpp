// End to end: CreateVM at the fd limit and on a full disk, a shim that cannot
// start, a hung shim, a status that quotes half a character, a state_dir too
// long for its sockets. Every failure has its code and leaves nothing behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "base/utf8_text.hpp"
#include "fccontrol.pb.h"
#include "tests/support/emberd_harness.hpp"
#include "tests/support/fc_requests.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

// No VM dir, socket file or shim of a failed create.
void expect_nothing_of(const Emberd& emberd, const std::string& id) {
  EXPECT_FALSE(path_exists(emberd.vm_dir("default", id))) << id;
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty()) << id;
  EXPECT_TRUE(children_of(emberd.pid()).empty()) << id;
}

// The id is free again: CreateVM and StopVM of it work.
void expect_id_free(Emberd& emberd, FcClient& client, const std::string& id) {
  auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id));
  EXPECT_TRUE(r.status.ok()) << id << ": " << r.status.ToString() << "\n" << emberd.log();
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>(id)).status.ok()) << id;
}

void set_fd_limit(pid_t pid, rlim_t soft) {
  rlimit old{};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &old), 0);
  rlimit now{soft, old.rlim_max};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &now, nullptr), 0);
}

TEST(ExhaustionTest, CreateAtEveryFdLimitFailsCleanlyAndFreesItsId) {
  if (kSanitizerBuild) GTEST_SKIP() << "UBSan's vptr check needs a free fd (a pipe)";
  Emberd emberd;
  FcClient client(emberd.socket());
  rlimit normal{};
  ASSERT_EQ(::prlimit(emberd.pid(), RLIMIT_NOFILE, nullptr, &normal), 0);
  const size_t in_use = open_fds(emberd.pid()).size();
  // From no free fd to enough for a whole create: each step of it meets
  // EMFILE in one round (the shims inherit the limit too).
  int failed = 0, exhausted = 0;
  for (size_t limit = in_use - 2; limit < in_use + 12; ++limit) {
    const std::string id = "fd" + std::to_string(limit);
    set_fd_limit(emberd.pid(), limit);
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id), "default", 30s);
    set_fd_limit(emberd.pid(), normal.rlim_cur);
    if (r.status.ok()) {
      EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>(id)).status.ok()) << id;
      continue;
    }
    ++failed;
    if (r.status.code() == Code::resource_exhausted) ++exhausted;
    EXPECT_TRUE(r.status.code() == Code::resource_exhausted || r.status.code() == Code::unavailable)
        << "limit " << limit << ": " << r.status.ToString();
    expect_nothing_of(emberd, id);
    EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id)).status.code(),
              Code::not_found);
    expect_id_free(emberd, client, id);
  }
  EXPECT_GT(failed, 0) << "no limit made CreateVM fail";
  EXPECT_GT(exhausted, 0) << "EMFILE never gave RESOURCE_EXHAUSTED";
  expect_nothing_of(emberd, "any");
}

// A tmpfs of few inodes mounted over the VM base dir (we are root in CI);
// unmounted on destruction. Without the privilege the test skips.
class TinyFs {
 public:
  explicit TinyFs(const std::string& dir) : dir_(dir) {
    ::mkdir(dir.c_str(), 0700);
    mounted_ = ::mount("none", dir.c_str(), "tmpfs", 0, "nr_inodes=1,mode=0700") == 0;
  }
  ~TinyFs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  // inodes counts the root directory.
  bool set_inodes(int inodes) {
    std::string opts = "nr_inodes=" + std::to_string(inodes) + ",mode=0700";
    return ::mount("none", dir_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(ExhaustionTest, CreateOnAFullDiskFailsCleanlyWithTheReason) {
  Emberd emberd;
  FcClient client(emberd.socket());
  TinyFs fs(emberd.vm_base_dir());
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (not root?)";
  // 1: mkdir of the VM dir fails; 2: its creating marker; 3: emberd's
  // address file; 4: the shim's shim-state.json (its start-failure line
  // gives the reason); more: the shim's CreateVM, or success.
  int failed = 0;
  for (int inodes = 1; inodes <= 7; ++inodes) {
    const std::string id = "disk" + std::to_string(inodes);
    ASSERT_TRUE(fs.set_inodes(inodes));
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id), "default", 30s);
    ASSERT_TRUE(fs.set_inodes(1000));
    if (r.status.ok()) {
      EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>(id)).status.ok()) << id;
      continue;
    }
    ++failed;
    EXPECT_EQ(r.status.code(), Code::resource_exhausted) << inodes << ": " << r.status.ToString();
    EXPECT_NE(r.status.message().find("No space left on device"), std::string::npos)
        << r.status.message();
    if (inodes == 4) {
      EXPECT_NE(r.status.message().find("could not start"), std::string::npos)
          << r.status.message();
      EXPECT_NE(r.status.message().find("shim-state.json"), std::string::npos)
          << r.status.message();
    }
    expect_nothing_of(emberd, id);
    expect_id_free(emberd, client, id);
  }
  EXPECT_GE(failed, 4);
}

TEST(ExhaustionTest, CallWithoutDeadlineToAHungShimIsDeadlineExceededNamingTheVm) {
  Emberd emberd({{}, "timeouts:\n  call_seconds: 1\n", {}});
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, with_id<CreateVMRequest>("hung")).status.ok());
  pid_t shim = shim_pid_of(emberd.vm_dir("default", "hung"));
  ASSERT_GT(shim, 0);
  ASSERT_EQ(::kill(shim, SIGSTOP), 0);
  std::promise<ttrpc::CallResult> got;
  ttrpc::CallOptions opts;  // timeout 0: no deadline on the wire
  opts.metadata = {{ttrpc::kNamespaceKey, "default"}};
  client.raw().call(msg::kFirecrackerService, "GetVMInfo", with_id<GetVMInfoRequest>("hung"), opts,
                    [&](ttrpc::CallResult r) { got.set_value(std::move(r)); });
  auto answered = got.get_future();
  // Far above call_seconds; only an unbounded wait trips it.
  bool in_time = answered.wait_for(30s) == std::future_status::ready;
  ::kill(shim, SIGCONT);
  ASSERT_TRUE(in_time) << "no answer: the call without a deadline waits for the hung shim";
  auto r = answered.get();
  EXPECT_EQ(r.status.code(), Code::deadline_exceeded) << r.status.ToString();
  EXPECT_NE(r.status.message().find("VM hung"), std::string::npos) << r.status.message();
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("hung")).status.ok());
}

TEST(ExhaustionTest, StatusQuotingHalfACharacterIsValidUtf8) {
  Emberd emberd;
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, with_id<CreateVMRequest>("utf")).status.ok());
  SetVMMetadataRequest set;
  set.set_vmid("utf");
  set.set_metadata("{\"a\":tru\xc3\xa9}");
  auto r = client.call(Method::set_vm_metadata, set.SerializeAsString());
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  EXPECT_TRUE(is_valid_utf8(r.status.message()));
  EXPECT_NE(r.status.message().find("not valid JSON"), std::string::npos) << r.status.message();
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("utf")).status.ok());
}

TEST(ExhaustionTest, StateDirTooLongForItsSocketsIsRefusedAtStartUp) {
  TempDir root;
  // 33 bytes: one more than a state_dir may have (107 - 75).
  std::string state_dir = root.path() + "/" + std::string(32 - root.path().size(), 's');
  ASSERT_EQ(state_dir.size(), 33u);
  std::string config = root.path() + "/ember.yaml", log = root.path() + "/emberd.log";
  std::ofstream(config) << "socket: " << root.path() << "/e.sock\nstate_dir: " << state_dir
                        << "\nshim_base_dir: " << root.path()
                        << "/vm\nshim_binary: " << EMBER_SHIM_PATH << "\nvmm:\n  backend: hollow\n";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string path = EMBERD_PATH, flag = "--config";
  char* argv[] = {path.data(), flag.data(), config.data(), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, EMBERD_PATH, &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // emberd checks before it serves; were it to serve, it would never exit.
  bool exited = wait_process_exit(pid, 20s);
  if (!exited) ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(exited) << "emberd started with a state_dir too long";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status;
  std::string out = read_file(log).value_or("");
  EXPECT_NE(out.find("state_dir " + state_dir + " is too long"), std::string::npos) << out;
  EXPECT_NE(out.find("at most 32 bytes"), std::string::npos) << out;
}

}  // namespace
}  // namespace ember::e2e
