#pragma once
// Test harness for end-to-end tests: a real emberd process on a real socket in
// a private temp directory, a ttrpc client, and probes of the OS state that
// the tests assert on (processes, fds, files).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"
#include "tests/support/fd_census.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::e2e {

// An AddressSanitizer build (-DEMBER_SANITIZE=ON): its quarantine keeps freed
// memory resident, so RSS bounds do not hold, and at an fd limit UBSan's vptr
// check (which probes memory through a pipe) reports every object as invalid.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif

using TempDir = testsupport::TempTree;

struct EmberdOptions {
  std::string shim_binary;        // default: the ember-shim built with the tests
  std::string extra_yaml;         // appended to the generated config
  std::vector<std::string> args;  // extra emberd arguments
  // emberd's socket, relative to the temp root; a subdirectory in it is
  // created by emberd itself.
  std::string socket_name = "ember.sock";
  // The vmm section of the config (hollow: no VMM, the default for tests).
  std::string vmm_yaml = "vmm:\n  backend: hollow\n";
  std::string log_yaml = "log:\n  level: debug\n";  // the log section of the config
  std::vector<std::string> env = {};  // extra NAME=value entries for emberd's environment
  // A command emberd runs under, which execs it in place (so the pid stays
  // emberd's): e.g. `ip netns exec NS` (tests/support/netns.hpp). Empty: none.
  std::vector<std::string> launcher = {};
};

// One emberd process with its own config, socket, state and VM directories.
class Emberd {
 public:
  explicit Emberd(EmberdOptions opts = {});
  ~Emberd();  // SIGKILLs emberd if still running, then kills leftover shims

  pid_t pid() const { return pid_; }
  // The private temp directory holding everything of this emberd.
  const std::string& root() const { return root_.path(); }
  const std::string& socket() const { return socket_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& vm_base_dir() const { return vm_base_dir_; }
  const std::string& config_path() const { return config_path_; }
  std::string vm_dir(const std::string& ns, const std::string& id) const {
    return vm_base_dir_ + "/" + ns + "#" + id;
  }
  // emberd's stderr so far (its log).
  std::string log() const;

  // Sends sig and waits for the exit; returns the exit code (or 128+signal).
  int stop(int sig);
  // Starts a new emberd with the same config and directories (after stop()).
  void restart() { start(); }
  bool running() const { return pid_ > 0; }

 private:
  void start();

  TempDir root_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> extra_env_;
  std::vector<std::string> launcher_;
  std::string socket_, state_dir_, vm_base_dir_, config_path_, log_path_;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

// A ttrpc client on its own I/O thread, speaking fccontrol.
class FcClient {
 public:
  explicit FcClient(const std::string& socket);
  ~FcClient();

  // Serialized request in, status and serialized response out.
  ttrpc::CallResult call(msg::Method m, const std::string& payload,
                         const std::string& ns = "default",
                         std::chrono::milliseconds timeout = std::chrono::seconds(120));
  ttrpc::Client& raw() { return *client_; }

 private:
  io::EventLoop loop_;
  std::shared_ptr<ttrpc::Client> client_;
};

// The decimal value of environment variable name (a test's knob, such as a
// soak length); fallback when unset, empty or not a number.
uint64_t env_number(const char* name, uint64_t fallback);

// --- OS probes -------------------------------------------------------------

bool path_exists(const std::string& path);
// Entries of a directory ("." and ".." excluded); empty if it does not exist.
using ::ember::list_dir;  // base/files.hpp
// Waits (inotify, bounded) until path no longer exists.
bool wait_gone(const std::string& path, std::chrono::milliseconds timeout);
// Waits (pidfd, bounded) until the process exited.
bool wait_process_exit(pid_t pid, std::chrono::milliseconds timeout);
bool process_alive(pid_t pid);
// Pids whose parent is ppid.
std::vector<pid_t> children_of(pid_t ppid);
// The fd census (tests/support/fd_census.hpp), as the e2e tests call it.
using testsupport::describe_fds;
using testsupport::open_fds;
// The shim pid recorded in a VM dir's shim-state.json; -1 if unreadable.
pid_t shim_pid_of(const std::string& vm_dir);
// Every path below root (relative, sorted; directories end in '/'), without
// following symlinks. Empty if root does not exist.
std::vector<std::string> list_tree(const std::string& root);
// The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...); 0 if no such process.
char process_state(pid_t pid);
// Live processes (zombies excluded) whose working directory is below root,
// removed or not: shims (cwd = their VM dir), the programs they start, and
// wrappers standing in for them. With exe_name set, only those whose
// executable has that file name ("ember-shim").
std::vector<pid_t> processes_under(const std::string& root, const std::string& exe_name = "");
// Waits (inotify, bounded) until path exists and is not empty.
bool wait_file(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace ember::e2e
