#pragma once
// The emberd a bench runs against: one multiplexed ttrpc connection on an
// event loop thread, the namespace to use, emberd's pid (for /proc probes)
// and where each VM's directory is (for shim probes).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace google::protobuf {
class MessageLite;
}
namespace ember::io {
class EventLoop;
}

namespace ember::bench {

// Where emberd is and how to call it; the comments name emberctl's options.
struct TargetOptions {
  std::string config_path;     // --config; "": $EMBER_CONFIG or the defaults
  std::string address;         // --address; "": the socket of the config
  std::string ns = "default";  // --namespace
  double timeout_seconds = 0;  // --timeout; 0: the defaults below
  // Deadlines without --timeout: emberctl passes those of its vm commands.
  std::chrono::seconds call_timeout{30};
  std::chrono::seconds create_timeout{70};  // at least; see Target::create_timeout
  std::string vm_dir_base;                  // --vm-dir-base; "": from GetVMInfo
  pid_t emberd_pid = 0;                     // --emberd-pid; 0: the socket's peer (SO_PEERCRED)
};

class Target {
 public:
  // Connects to --address (else the config's socket). A socket that is
  // missing or refuses gives UNAVAILABLE "cannot connect to <path>: ...".
  static Status open(const TargetOptions& opts, std::unique_ptr<Target>* out);
  // Closes the connections (pending calls complete with UNAVAILABLE), then
  // stops the loop.
  ~Target();
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  io::EventLoop& loop() { return *loop_; }
  const std::string& ns() const { return opts_.ns; }
  const std::string& address() const { return address_; }
  // 0 when unknown (peer credentials unavailable and no --emberd-pid).
  pid_t emberd_pid() const { return emberd_pid_; }

  // --timeout when given, else the options' call_timeout.
  std::chrono::nanoseconds call_timeout() const;
  // --timeout when given, else the options' create_timeout or, when longer,
  // the server's own creation deadline plus 10 s (as `emberctl vm create`).
  std::chrono::nanoseconds create_timeout(uint32_t server_timeout_seconds) const;

  // Firecracker/<method> to emberd with the namespace; done runs on the loop
  // thread. Any thread.
  void call(const char* method, const google::protobuf::MessageLite& request,
            std::chrono::nanoseconds timeout, ttrpc::Client::Done done);
  // An encoded request on any connection of this loop (emberd() or one from
  // connect(), e.g. straight to a shim), with the namespace.
  void call_on(ttrpc::Client& client, const char* method, std::string payload,
               std::chrono::nanoseconds timeout, ttrpc::Client::Done done);
  ttrpc::Client& emberd() { return *client_; }
  // A further connection on this loop, closed by ~Target.
  Status connect(const std::string& path, std::shared_ptr<ttrpc::Client>* out);

  // The directory of VM id: "<base>/<ns>#<id>" with --vm-dir-base, else the
  // directory of GetVMInfo's SocketPath, so --address alone is enough (see
  // bench/lib/vm_dir.hpp). A failed GetVMInfo keeps its code, its message
  // prefixed with "GetVMInfo of VM <id>: ". done runs on the loop thread.
  // Any thread.
  using VmDirDone = std::function<void(const Status&, const std::string& dir)>;
  void vm_dir(const std::string& id, VmDirDone done);
  // The same, waiting for the answer; never on the loop thread.
  Status vm_dir_blocking(const std::string& id, std::string* out);

 private:
  explicit Target(const TargetOptions& opts);
  // --vm-dir-base, symlinks resolved (emberd resolves them in its
  // shim_base_dir too); NOT_FOUND naming it when it does not exist. The first
  // success is kept. Loop thread.
  Status vm_dir_base(std::string* out);

  TargetOptions opts_;
  std::string address_;
  pid_t emberd_pid_ = 0;
  std::string vm_dir_base_;  // "" until resolved
  std::unique_ptr<io::EventLoop> loop_;
  std::shared_ptr<ttrpc::Client> client_;               // to emberd
  std::vector<std::shared_ptr<ttrpc::Client>> others_;  // from connect()
};

// Payload of a request; throws nothing, an unencodable message is a bug.
std::string encode(const google::protobuf::MessageLite& request);

}  // namespace ember::bench
