// End to end: what emberd exposes to other users and to hostile input.
// Modes of its socket and directories, refusal of other uids, symlinks planted
// where a VM dir or a shim socket would go, VM ids with path tricks.
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/files.hpp"
#include "fccontrol.pb.h"
#include "io/ttrpc/frame.hpp"
#include "shimproc/shim_address.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {
namespace {

using msg::Method;
using namespace std::chrono_literals;

constexpr const char* kContainerdAddress = "/run/containerd/containerd.sock";

EmberdOptions secure_options() {
  EmberdOptions o;
  // In a directory emberd makes itself, so its mode is emberd's doing.
  o.socket_name = "run/ember.sock";
  o.extra_yaml = std::string("containerd_address: ") + kContainerdAddress + "\n";
  return o;
}

template <class Req>
std::string with_id(const std::string& id) {
  Req r;
  r.set_vmid(id);
  return r.SerializeAsString();
}

// Permission bits and file type of path itself (symlinks not followed).
struct Mode {
  mode_t type = 0;
  mode_t perm = 0;
};
Mode mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  return {static_cast<mode_t>(st.st_mode & S_IFMT), static_cast<mode_t>(st.st_mode & 07777)};
}

std::string parent_of(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

class SecurityTest : public ::testing::Test {
 protected:
  std::string shim_socket(const std::string& id) const {
    return shimproc::shim_socket_path(emberd.state_dir(), kContainerdAddress, "default", id);
  }
  void expect_no_vm_left() {
    EXPECT_TRUE(children_of(emberd.pid()).empty());
    for (const auto& e : list_dir(emberd.vm_base_dir()))
      EXPECT_TRUE(mode_of(emberd.vm_base_dir() + "/" + e).type == S_IFLNK) << e;
  }

  Emberd emberd{secure_options()};
};

TEST_F(SecurityTest, EmberdSocketIs0600InA0700Directory) {
  EXPECT_EQ(mode_of(emberd.socket()).type, S_IFSOCK);
  EXPECT_EQ(mode_of(emberd.socket()).perm, 0600);
  EXPECT_EQ(mode_of(parent_of(emberd.socket())).perm, 0700);
}

TEST_F(SecurityTest, StateAndVmDirectoriesAre0700AndShimSockets0600) {
  FcClient client(emberd.socket());
  auto r = client.call(Method::create_vm, with_id<CreateVMRequest>("modes"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::string vm_dir = emberd.vm_dir("default", "modes");
  EXPECT_EQ(mode_of(emberd.state_dir()).perm, 0700);
  EXPECT_EQ(mode_of(emberd.vm_base_dir()).perm, 0700);
  EXPECT_EQ(mode_of(vm_dir).type, S_IFDIR);
  EXPECT_EQ(mode_of(vm_dir).perm, 0700);
  for (const auto& path :
       {shim_socket("modes"), shimproc::fccontrol_socket_path(shim_socket("modes"))}) {
    EXPECT_EQ(mode_of(path).type, S_IFSOCK) << path;
    EXPECT_EQ(mode_of(path).perm, 0600) << path;
  }
  // Whatever else the VM dir holds is private too.
  for (const auto& e : list_dir(vm_dir))
    EXPECT_EQ(mode_of(vm_dir + "/" + e).perm & 077, 0u) << e;
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("modes")).status.ok());
}

// What a client of uid nobody experienced, as its exit code.
enum NobodyOutcome {
  kClosedWithoutAnswer = 0,
  kAnswered = 1,
  kConnectDenied = 2,  // EACCES / EPERM: the file system kept it out
  kNoVerdict = 3,      // neither an answer nor a close within the time
  kSetupFailed = 4,
};

// Forks a child that becomes nobody, connects to socket_path, sends one
// GetVMInfo and reports what happened. The child makes only system calls:
// everything it needs is prepared before the fork.
int run_as_nobody(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  ttrpc::Request req;
  req.service = msg::kFirecrackerService;
  req.method = "GetVMInfo";
  req.payload = with_id<GetVMInfoRequest>("ghost");
  req.metadata = {{ttrpc::kNamespaceKey, "default"}};
  const std::string frame = ttrpc::encode_frame(1, ttrpc::kTypeRequest, ttrpc::encode_request(req));

  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
      ::_exit(kSetupFailed);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      ::_exit(errno == EACCES || errno == EPERM ? kConnectDenied : kSetupFailed);
    // The server may close before or after it read this: both refuse.
    (void)::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) != 1) ::_exit(kNoVerdict);
    char byte;
    ssize_t n = ::read(fd, &byte, 1);
    ::_exit(n > 0 ? kAnswered : kClosedWithoutAnswer);  // 0: EOF; < 0: reset
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : kSetupFailed;
}

TEST_F(SecurityTest, ClientOfAnotherUidIsRefusedWhileRootIsServed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to setuid() a child to nobody";
  // First wall: the 0700 directories and the 0600 socket.
  EXPECT_EQ(run_as_nobody(emberd.socket()), kConnectDenied);

  // Second wall, with the first one opened: emberd checks SO_PEERCRED and
  // closes the connection without an answer.
  const std::string run_dir = parent_of(emberd.socket());
  ASSERT_EQ(::chmod(emberd.root().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(run_dir.c_str(), 0711), 0);
  ASSERT_EQ(::chmod(emberd.socket().c_str(), 0666), 0);
  EXPECT_EQ(run_as_nobody(emberd.socket()), kClosedWithoutAnswer);
  ::chmod(emberd.socket().c_str(), 0600);
  ::chmod(run_dir.c_str(), 0700);
  ::chmod(emberd.root().c_str(), 0700);

  FcClient root(emberd.socket());
  auto r = root.call(Method::get_vm_info, with_id<GetVMInfoRequest>("ghost"));
  EXPECT_EQ(r.status.code(), Code::not_found) << r.status.ToString();
  EXPECT_NE(emberd.log().find("uid 65534"), std::string::npos) << emberd.log();
}

TEST_F(SecurityTest, SymlinkWhereTheVmDirWouldGoFailsCreateAndIsNotFollowed) {
  const std::string target = emberd.root() + "/x";
  ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
  write_text(target + "/canary", "untouched");
  const std::string dangling = emberd.root() + "/nowhere";
  ASSERT_EQ(::mkdir(emberd.vm_base_dir().c_str(), 0700), 0);
  ASSERT_EQ(::symlink(target.c_str(), emberd.vm_dir("default", "evil").c_str()), 0);
  ASSERT_EQ(::symlink(dangling.c_str(), emberd.vm_dir("default", "dangling").c_str()), 0);

  FcClient client(emberd.socket());
  for (const char* id : {"evil", "dangling"}) {
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id));
    EXPECT_TRUE(r.status.code() == Code::already_exists ||
                r.status.code() == Code::failed_precondition)
        << id << ": " << r.status.ToString();
    EXPECT_EQ(mode_of(emberd.vm_dir("default", id)).type, S_IFLNK) << id;
    EXPECT_EQ(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>(id)).status.code(),
              Code::not_found);
  }
  EXPECT_EQ(list_tree(target), std::vector<std::string>{"canary"});
  EXPECT_EQ(mode_of(target).perm, 0755);
  EXPECT_EQ(read_file(target + "/canary"), "untouched");
  EXPECT_FALSE(path_exists(dangling));
  EXPECT_TRUE(list_dir(emberd.state_dir()).empty());
  expect_no_vm_left();
}

TEST_F(SecurityTest, SymlinkAtAShimSocketPathIsNotFollowed) {
  const std::string target = emberd.root() + "/precious";
  write_text(target, "untouched");
  ASSERT_EQ(::mkdir(emberd.state_dir().c_str(), 0700), 0);
  // One link where the shim socket goes, one where its fccontrol socket goes
  // (that one is bound second: the first must be cleaned up).
  const std::string at_shim = shim_socket("sock1");
  const std::string at_fccontrol = shimproc::fccontrol_socket_path(shim_socket("sock2"));
  ASSERT_EQ(::symlink(target.c_str(), at_shim.c_str()), 0);
  ASSERT_EQ(::symlink(target.c_str(), at_fccontrol.c_str()), 0);

  FcClient client(emberd.socket());
  for (const char* id : {"sock1", "sock2"}) {
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>(id));
    EXPECT_EQ(r.status.code(), Code::failed_precondition) << id << ": " << r.status.ToString();
    EXPECT_FALSE(path_exists(emberd.vm_dir("default", id))) << id;
  }
  EXPECT_EQ(mode_of(target).type, S_IFREG);
  EXPECT_EQ(read_file(target), "untouched");
  EXPECT_EQ(mode_of(at_shim).type, S_IFLNK);
  EXPECT_EQ(mode_of(at_fccontrol).type, S_IFLNK);
  EXPECT_EQ(list_dir(emberd.state_dir()).size(), 2u);  // the two links, nothing else
  expect_no_vm_left();

  // Once the link is gone the id is usable.
  ASSERT_EQ(::unlink(at_shim.c_str()), 0);
  ASSERT_TRUE(client.call(Method::create_vm, with_id<CreateVMRequest>("sock1")).status.ok());
  ASSERT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("sock1")).status.ok());
}

TEST_F(SecurityTest, VmIdsWithPathTricksAreRefusedBeforeTouchingTheFilesystem) {
  FcClient client(emberd.socket());
  const std::vector<std::string> before = list_tree(emberd.root());
  const std::string bad_ids[] = {
      "../x",
      "a/b",
      ".",
      "..",
      "a#b",
      "/abs",
      "x/../../etc",
      "a\\b",
      std::string("a\0b", 3),
      "-lead",
      "trail.",
      std::string(77, 'a'),
      std::string(4096, 'b'),
      "",
  };
  const Method methods[] = {Method::create_vm, Method::get_vm_info, Method::stop_vm,
                            Method::pause_vm, Method::set_vm_metadata};
  for (const auto& id : bad_ids) {
    for (Method m : methods) {
      std::string payload;
      switch (m) {
        case Method::create_vm:
          payload = with_id<CreateVMRequest>(id);
          break;
        case Method::get_vm_info:
          payload = with_id<GetVMInfoRequest>(id);
          break;
        case Method::stop_vm:
          payload = with_id<StopVMRequest>(id);
          break;
        case Method::pause_vm:
          payload = with_id<PauseVMRequest>(id);
          break;
        default: {
          SetVMMetadataRequest md;
          md.set_vmid(id);
          md.set_metadata("{}");
          payload = md.SerializeAsString();
        }
      }
      auto r = client.call(m, payload);
      EXPECT_EQ(r.status.code(), Code::invalid_argument)
          << msg::method_name(m) << " '" << id.substr(0, 80) << "': " << r.status.ToString();
    }
  }
  // Namespaces are path components too.
  for (const char* ns : {"../ns", "ns/x", "..", "a#b"}) {
    auto r = client.call(Method::create_vm, with_id<CreateVMRequest>("fine"), ns);
    EXPECT_EQ(r.status.code(), Code::invalid_argument) << ns << ": " << r.status.ToString();
  }
  EXPECT_EQ(list_tree(emberd.root()), before);
  EXPECT_TRUE(children_of(emberd.pid()).empty());
}

// Regression (found by fuzz_metadata): a number beyond double's range made
// nlohmann throw out_of_range, which reached the ttrpc handler as INTERNAL.
TEST_F(SecurityTest, MetadataWithAnOutOfRangeNumberIsInvalidArgument) {
  FcClient client(emberd.socket());
  ASSERT_TRUE(client.call(Method::create_vm, with_id<CreateVMRequest>("md")).status.ok());
  SetVMMetadataRequest set;
  set.set_vmid("md");
  set.set_metadata(R"({"a":1e400})");
  auto r = client.call(Method::set_vm_metadata, set.SerializeAsString());
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  UpdateVMMetadataRequest update;
  update.set_vmid("md");
  update.set_metadata(R"({"b":[-1e999]})");
  r = client.call(Method::update_vm_metadata, update.SerializeAsString());
  EXPECT_EQ(r.status.code(), Code::invalid_argument) << r.status.ToString();
  // The shim survived it either way.
  EXPECT_TRUE(client.call(Method::get_vm_info, with_id<GetVMInfoRequest>("md")).status.ok());
  EXPECT_TRUE(client.call(Method::stop_vm, with_id<StopVMRequest>("md")).status.ok());
}

}  // namespace
}  // namespace ember::e2e
