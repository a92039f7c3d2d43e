#include "bench/lib/target.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <google/protobuf/message_lite.h>

#include "bench/lib/proc.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::bench {
namespace {

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// A connected, non-blocking unix socket; failures read like emberctl's.
Status connect_socket(const std::string& path, UniqueFd* out) {
  UniqueFd fd;
  Status s = io::connect_unix(path, &fd);
  if (!s.ok()) {
    if (s.code() == Code::not_found || s.code() == Code::unavailable) {
      // connect_unix says "connect <path>: <strerror>".
      std::string what = s.message();
      const std::string verb = "connect ";
      if (what.compare(0, verb.size(), verb) == 0) what.erase(0, verb.size());
      return Status::Unavailable("cannot connect to " + what);
    }
    return s;
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::FromErrno("fcntl O_NONBLOCK", errno);
  }
  *out = std::move(fd);
  return Status::Ok();
}

// --timeout when given (seconds > 0), else dflt.
std::chrono::nanoseconds timeout_or(double seconds, std::chrono::nanoseconds dflt) {
  if (seconds <= 0) return dflt;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds));
}

}  // namespace

std::string encode(const google::protobuf::MessageLite& request) {
  std::string payload;
  request.SerializeToString(&payload);
  return payload;
}

Target::Target(const TargetOptions& opts) : opts_(opts), loop_(std::make_unique<io::EventLoop>()) {}

Target::~Target() {
  for (auto& c : others_)
    c->close();
  if (client_) client_->close();
  others_.clear();
  client_.reset();
  loop_.reset();  // stops and joins the loop thread
}

Status Target::open(const TargetOptions& opts, std::unique_ptr<Target>* out) {
  std::unique_ptr<Target> t(new Target(opts));
  t->address_ = opts.address;
  if (t->address_.empty()) {
    config::Config cfg;
    Status s = config::resolve(opts.config_path, self_exe(), &cfg);
    if (!s.ok()) return s;
    if (cfg.socket.empty()) {
      return Status::FailedPrecondition("no socket configured in " +
                                        (cfg.source.empty() ? "the default config" : cfg.source) +
                                        "; pass --address");
    }
    t->address_ = cfg.socket;
  }
  UniqueFd fd;
  Status s = connect_socket(t->address_, &fd);
  if (!s.ok()) return s;
  t->emberd_pid_ = opts.emberd_pid > 0 ? opts.emberd_pid : peer_pid(fd.get());
  t->loop_->start_thread();
  t->client_ = ttrpc::Client::adopt(*t->loop_, std::move(fd));
  *out = std::move(t);
  return Status::Ok();
}

std::chrono::nanoseconds Target::call_timeout() const {
  return timeout_or(opts_.timeout_seconds, opts_.call_timeout);
}

std::chrono::nanoseconds Target::create_timeout(uint32_t server_timeout_seconds) const {
  return timeout_or(
      opts_.timeout_seconds,
      std::max(opts_.create_timeout, std::chrono::seconds(int64_t{server_timeout_seconds} + 10)));
}

void Target::call(const char* method, const google::protobuf::MessageLite& request,
                  std::chrono::nanoseconds timeout, ttrpc::Client::Done done) {
  call_on(*client_, method, encode(request), timeout, std::move(done));
}

void Target::call_on(ttrpc::Client& client, const char* method, std::string payload,
                     std::chrono::nanoseconds timeout, ttrpc::Client::Done done) {
  ttrpc::CallOptions opts;
  opts.timeout = timeout;
  opts.metadata.emplace_back(ttrpc::kNamespaceKey, opts_.ns);
  client.call(msg::kFirecrackerService, method, std::move(payload), std::move(opts),
              std::move(done));
}

Status Target::connect(const std::string& path, std::shared_ptr<ttrpc::Client>* out) {
  UniqueFd fd;
  Status s = connect_socket(path, &fd);
  if (!s.ok()) return s;
  *out = ttrpc::Client::adopt(*loop_, std::move(fd));
  others_.push_back(*out);
  return Status::Ok();
}

Status Target::vm_dir_base(std::string* out) {
  if (!vm_dir_base_.empty()) {
    *out = vm_dir_base_;
    return Status::Ok();
  }
  std::string base = opts_.vm_dir_base;
  std::string from = "--vm-dir-base";
  if (base.empty()) {
    config::Config cfg;
    Status s = config::resolve(opts_.config_path, self_exe(), &cfg);
    if (!s.ok()) return s;
    base = cfg.shim_base_dir;
    from =
        "shim_base_dir of " + (cfg.source.empty() ? std::string("the default config") : cfg.source);
  }
  // emberd resolves symlinks in it; so must we, to find the same directories.
  char resolved[PATH_MAX];
  if (base.empty() || ::realpath(base.c_str(), resolved) == nullptr) {
    return Status::NotFound("VM directory base " + base + " (" + from + ") does not exist" +
                            (opts_.vm_dir_base.empty() ? "; pass --vm-dir-base" : ""));
  }
  vm_dir_base_ = resolved;
  *out = vm_dir_base_;
  return Status::Ok();
}

}  // namespace ember::bench
