#include "cmd/emberctl/invocation.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <utility>

#include "cmd/emberctl/session.hpp"
#include "config/config.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace ember::ctl {
namespace {

// config::resolve wants our own path (it locates ember-shim beside it); ""
// when /proc is unavailable, which only leaves shim_binary unset.
std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// --address, else the socket of the config emberd would use: --config,
// $EMBER_CONFIG, or the embedded defaults for this user.
Status resolve_address(const GlobalOptions& g, std::string* out) {
  if (!g.address.empty()) {
    *out = g.address;
    return Status::Ok();
  }
  config::Config cfg;
  Status st = config::resolve(g.config_path, self_exe(), &cfg);
  if (!st.ok()) return st;
  if (cfg.socket.empty()) {
    const std::string where = cfg.source.empty() ? "the default config" : cfg.source;
    return Status::FailedPrecondition("no socket configured in " + where + "; pass --address");
  }
  *out = cfg.socket;
  return Status::Ok();
}

}  // namespace

Invocation::Invocation(const GlobalOptions& globals, Output& output)
    : globals_(globals), output_(output) {}

Invocation::~Invocation() = default;

Status Invocation::connect() {
  if (session_) return Status::Ok();
  std::string address;
  Status st = resolve_address(globals_, &address);
  if (!st.ok()) return st;
  return Session::open(address, &session_);
}

Status Invocation::call(const std::string& method, const google::protobuf::MessageLite& request,
                        google::protobuf::MessageLite* response,
                        std::chrono::seconds default_timeout) {
  return call_service(kFirecrackerService, method, request, response, default_timeout);
}

Status Invocation::call_service(const std::string& service, const std::string& method,
                                const google::protobuf::MessageLite& request,
                                google::protobuf::MessageLite* response,
                                std::chrono::seconds default_timeout) {
  Status st = connect();
  if (!st.ok()) return st;
  ttrpc::CallOptions opts;
  if (globals_.timeout_seconds > 0) {
    opts.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(globals_.timeout_seconds));
  } else {
    opts.timeout = default_timeout;
  }
  opts.metadata.emplace_back(ttrpc::kNamespaceKey, ns());
  return session_->call_service(service, method, request, response, std::move(opts));
}

Status Invocation::stream_service(const std::string& service, const std::string& method,
                                  const google::protobuf::MessageLite& request,
                                  std::function<void(const std::string&)> on_data) {
  Status st = connect();
  if (!st.ok()) return st;
  ttrpc::CallOptions opts;
  if (globals_.timeout_seconds > 0) {
    opts.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(globals_.timeout_seconds));
  }
  opts.metadata.emplace_back(ttrpc::kNamespaceKey, ns());
  return session_->stream_service(service, method, request, std::move(opts), std::move(on_data));
}

}  // namespace ember::ctl
