#pragma once
// Test harness for ember-shim processes: a temporary tree with a VM directory
// and two listening sockets, the shim spawned under the launch contract
// (shimproc::ShimProcess), and a ttrpc client on its fccontrol socket.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message_lite.h>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "io/unix_socket.hpp"
#include "shimproc/shim_process.hpp"
#include "shimproc/vm_dir.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimtest {

// Generous: the machine is small and shared.
inline constexpr std::chrono::seconds kExitDeadline{60};

// Reads fd until EOF (the child closed its end by exiting).
std::string read_all(int fd);

// Waits (poll, no sleeping) until the pidfd is readable; false at the deadline.
bool wait_readable(int fd, std::chrono::milliseconds deadline);

struct ShimOptions {
  std::string binary;  // ember-shim by default
  std::string ns = "ns1";
  std::string id = "vm1";
  std::string env_vm_id;  // FIRECRACKER_VM_ID; "" means id
  std::vector<std::string> extra_args;
  // Launch exactly as firecracker-containerd launches its shim: argv
  // -namespace and -address only, the config through EMBER_CONFIG, fccontrol
  // as the fd FCCONTROL_SOCKET_FD names.
  bool seed_launch = false;
  std::string config_yaml = "vmm:\n  backend: hollow\nvm:\n  memory_mib: 256\n";
};

// One shim launched under the contract in its own temporary tree.
class ShimUnderTest {
 public:
  ShimUnderTest() = default;
  ~ShimUnderTest();

  // Creates the tree, VM dir and sockets and spawns the shim; connects a
  // client unless `connect` is false.
  Status start(ShimOptions opts, bool connect = true);

  // Calls a Firecracker method; fills *resp (if given) when OK.
  Status call(const std::string& method, const google::protobuf::MessageLite& req,
              google::protobuf::MessageLite* resp = nullptr, ttrpc::CallOptions opts = {});
  // Calls a Firecracker method with a payload as given.
  Status call_bytes(const std::string& method, std::string payload);
  // Calls a method of another service on the task socket (fd 3).
  Status call_task(const std::string& service, const std::string& method);

  // Waits for the shim's exit; its exit code, or -1 at the deadline / on a signal.
  int wait_exit(std::chrono::milliseconds deadline = kExitDeadline);
  // True while the process has not exited (checked without waiting).
  bool running() const;
  // Everything the shim wrote to stdout/stderr (read after its exit).
  std::string output();

  pid_t pid() const { return process_.pid(); }
  const shimproc::VmDir& vm_dir() const { return vm_dir_; }
  const std::string& shim_socket_path() const { return shim_path_; }
  const std::string& fccontrol_socket_path() const { return fcc_path_; }
  unsigned long shim_socket_inode() const { return shim_inode_; }
  unsigned long fccontrol_socket_inode() const { return fcc_inode_; }
  const ShimOptions& options() const { return opts_; }

 private:
  ShimOptions opts_;
  std::unique_ptr<TempTree> tree_;
  shimproc::VmDir vm_dir_;
  io::BoundSocket shim_socket_;
  io::BoundSocket fcc_socket_;
  std::string shim_path_;
  std::string fcc_path_;
  unsigned long shim_inode_ = 0;
  unsigned long fcc_inode_ = 0;
  shimproc::ShimProcess process_;
  UniqueFd output_;
  std::string output_text_;
  io::EventLoop loop_;
  bool loop_started_ = false;
  std::shared_ptr<ttrpc::Client> client_;
};

// For launches the contract forbids: a child with exactly the fds given
// (fd 0 = /dev/null, 1 and 2 = a pipe, then child_fds[i] as fd 3 + i, -1 to
// leave that number closed), argv, a full environment and a cwd.
struct RawLaunch {
  std::string binary;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  std::vector<int> child_fds;
};

// Runs the launch to completion: its exit code (-1 on a signal or timeout)
// and its output.
Status run_raw(const RawLaunch& launch, int* exit_code, std::string* output);

}  // namespace ember::shimtest
