#include "cmd/emberctl/session.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <memory>
#include <utility>

#include <google/protobuf/message_lite.h>

#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"

namespace ember::ctl {
namespace {

// Connected here rather than by ttrpc::Client::connect so the error can name
// the path and errno exactly as docs/cli.md promises.
Status connect_socket(const std::string& path, UniqueFd* out) {
  sockaddr_un addr{};
  if (path.empty()) return Status::InvalidArgument("socket path is empty");
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument(
        "socket path is " + std::to_string(path.size()) + " bytes, more than the " +
        std::to_string(sizeof(addr.sun_path) - 1) + " a unix socket allows: " + path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket", errno);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    const int err = errno;
    std::string msg = "cannot connect to " + path + ": " + std::strerror(err);
    // Nothing there, or nothing listening: the usual cause is emberd itself.
    if (err == ENOENT || err == ECONNREFUSED) msg += "; is emberd running? (socket " + path + ")";
    return Status::Unavailable(msg);
  }
  // The connect above blocked (unix connects finish at once); the loop wants
  // a non-blocking socket.
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::FromErrno("fcntl O_NONBLOCK", errno);
  }
  *out = std::move(fd);
  return Status::Ok();
}

}  // namespace

Status Session::open(const std::string& path, std::unique_ptr<Session>* out) {
  UniqueFd fd;
  Status st = connect_socket(path, &fd);
  if (!st.ok()) return st;
  auto loop = std::make_unique<io::EventLoop>();
  loop->start_thread();
  auto client = ttrpc::Client::adopt(*loop, std::move(fd));
  out->reset(new Session(path, std::move(loop), std::move(client)));
  return Status::Ok();
}

Session::Session(std::string path, std::unique_ptr<io::EventLoop> loop,
                 std::shared_ptr<ttrpc::Client> client)
    : path_(std::move(path)), loop_(std::move(loop)), client_(std::move(client)) {}

Session::~Session() {
  client_->close();
  client_.reset();
  loop_.reset();  // stops and joins the loop thread
}

Status Session::call_service(const std::string& service, const std::string& method,
                             const google::protobuf::MessageLite& request,
                             google::protobuf::MessageLite* response, ttrpc::CallOptions opts) {
  std::string payload;
  if (!request.SerializeToString(&payload)) {
    return Status::Internal("cannot encode " + method + " request");
  }
  ttrpc::CallResult result =
      client_->call_sync(service, method, std::move(payload), std::move(opts));
  if (!result.status.ok()) return result.status;
  if (response != nullptr && !response->ParseFromString(result.payload)) {
    return Status::Internal("malformed " + method + " reply from " + path_);
  }
  return Status::Ok();
}

Status Session::stream_service(const std::string& service, const std::string& method,
                               const google::protobuf::MessageLite& request,
                               ttrpc::CallOptions opts,
                               std::function<void(const std::string&)> on_data) {
  std::string payload;
  if (!request.SerializeToString(&payload)) {
    return Status::Internal("cannot encode " + method + " request");
  }
  auto ended = std::make_shared<std::promise<Status>>();
  auto result = ended->get_future();
  client_->stream(
      service, method, std::move(payload), std::move(opts),
      [on_data = std::move(on_data)](std::string data) { on_data(data); },
      [ended](ttrpc::CallResult r) { ended->set_value(r.status); });
  return result.get();
}

}  // namespace ember::ctl
