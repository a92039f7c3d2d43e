#pragma once
// What a command sees while it runs: the global options, the output, and a
// connection to the Firecracker service opened on first use (so a command that
// fails on its own input never touches the socket).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "cmd/emberctl/output.hpp"

namespace google::protobuf {
class MessageLite;
}

namespace ember::ctl {

class Session;

// Options every command accepts, before or after the subcommand.
struct GlobalOptions {
  std::string config_path;     // --config; "" = $EMBER_CONFIG or the defaults
  std::string address;         // --address; "" = the socket from the config
  std::string ns = "default";  // --namespace, sent as containerd-namespace-ttrpc
  bool json = false;           // --json
  double timeout_seconds = 0;  // --timeout; 0 = the command's own default
};

class Invocation {
 public:
  Invocation(const GlobalOptions& globals, Output& output);
  ~Invocation();
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;

  const GlobalOptions& globals() const { return globals_; }
  Output& output() { return output_; }
  // Replaces the exit code the returned status would give (replay: 1 when
  // codes differ although the run succeeded, 2 for an unreadable journal).
  void set_exit_code(int code) { exit_code_ = code; }
  std::optional<int> exit_code() const { return exit_code_; }

  // One call to the Firecracker service, with the namespace as metadata and a
  // deadline of --timeout, or default_timeout when --timeout was not given.
  // Decodes the reply into response (nullptr: the reply is Empty).
  Status call(const std::string& method, const google::protobuf::MessageLite& request,
              google::protobuf::MessageLite* response, std::chrono::seconds default_timeout);
  // The same for another service on emberd's socket ("ember.v1.Journal").
  Status call_service(const std::string& service, const std::string& method,
                      const google::protobuf::MessageLite& request,
                      google::protobuf::MessageLite* response,
                      std::chrono::seconds default_timeout);
  // A server stream on another service, with no deadline unless --timeout
  // was given; on_data gets each message. Returns how the stream ended.
  Status stream_service(const std::string& service, const std::string& method,
                        const google::protobuf::MessageLite& request,
                        std::function<void(const std::string&)> on_data);
  // The namespace sent with the calls from now on, instead of --namespace.
  void use_namespace(std::string ns) { ns_override_ = std::move(ns); }
  const std::string& ns() const { return ns_override_ ? *ns_override_ : globals_.ns; }

 private:
  Status connect();

  const GlobalOptions& globals_;
  Output& output_;
  std::unique_ptr<Session> session_;        // null until the first call
  std::optional<int> exit_code_;            // set_exit_code, else exit_code_for(status)
  std::optional<std::string> ns_override_;  // use_namespace
};

// A parsed command, ready to run. Returns the outcome; output is written
// through the Invocation.
using Action = std::function<Status(Invocation&)>;

// Call deadlines used when --timeout is not given.
inline constexpr std::chrono::seconds kDefaultCallTimeout{30};
inline constexpr std::chrono::seconds kDefaultCreateTimeout{70};

}  // namespace ember::ctl
