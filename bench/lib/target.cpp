#include "bench/lib/target.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <future>
#include <utility>

#include <google/protobuf/message_lite.h>

#include "bench/lib/proc.hpp"
#include "bench/lib/vm_dir.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"
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
  const std::string& base = opts_.vm_dir_base;
  char resolved[PATH_MAX];
  if (base.empty() || ::realpath(base.c_str(), resolved) == nullptr) {
    return Status::NotFound("VM directory base " + base + " (--vm-dir-base) does not exist");
  }
  vm_dir_base_ = resolved;
  *out = vm_dir_base_;
  return Status::Ok();
}

void Target::vm_dir(const std::string& id, VmDirDone done) {
  if (!opts_.vm_dir_base.empty()) {
    loop_->post([this, id, done = std::move(done)] {
      std::string base;
      const Status s = vm_dir_base(&base);
      done(s, s.ok() ? base + "/" + opts_.ns + "#" + id : std::string());
    });
    return;
  }
  GetVMInfoRequest req;
  req.set_vmid(id);
  call(msg::method_name(msg::Method::get_vm_info), req, call_timeout(),
       [id, done = std::move(done)](ttrpc::CallResult r) {
         std::string dir;
         Status s = r.status.ok() ? vm_dir_from_info(id, r.payload, &dir)
                                  : Status(r.status.code(),
                                           "GetVMInfo of VM " + id + ": " + r.status.message());
         done(s, dir);
       });
}

Status Target::vm_dir_blocking(const std::string& id, std::string* out) {
  std::promise<Status> answered;
  vm_dir(id, [&answered, out](const Status& s, const std::string& dir) {
    *out = dir;
    answered.set_value(s);
  });
  return answered.get_future().get();
}

}  // namespace ember::bench
