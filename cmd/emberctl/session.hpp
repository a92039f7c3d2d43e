#pragma once
// Session: one ttrpc connection from emberctl to the Firecracker service, with
// the event loop it runs on. Both are owned here and closed on destruction.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "base/status.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace google::protobuf {
class MessageLite;
}

namespace ember::io {
class EventLoop;
}

namespace ember::ctl {

// The ttrpc service name of the fccontrol API.
inline constexpr const char* kFirecrackerService = "Firecracker";

class Session {
 public:
  // Connects to the unix socket at path. A socket that is missing or refuses
  // gives UNAVAILABLE "cannot connect to <path>: <strerror>"; a path too long
  // for a unix socket gives INVALID_ARGUMENT.
  static Status open(const std::string& path, std::unique_ptr<Session>* out);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Calls Firecracker/<method> and waits for the reply (or the deadline in
  // opts). On success decodes the reply into response unless it is nullptr.
  Status call(const std::string& method, const google::protobuf::MessageLite& request,
              google::protobuf::MessageLite* response, ttrpc::CallOptions opts) {
    return call_service(kFirecrackerService, method, request, response, std::move(opts));
  }
  // The same for another service on the socket (emberd's "ember.v1.Journal").
  Status call_service(const std::string& service, const std::string& method,
                      const google::protobuf::MessageLite& request,
                      google::protobuf::MessageLite* response, ttrpc::CallOptions opts);
  // A server stream (emberd's "ember.v1.Inventory/Watch"): each message
  // goes to on_data (on the session's loop thread), until the stream ends;
  // returns how it ended.
  Status stream_service(const std::string& service, const std::string& method,
                        const google::protobuf::MessageLite& request, ttrpc::CallOptions opts,
                        std::function<void(const std::string&)> on_data);

 private:
  Session(std::string path, std::unique_ptr<io::EventLoop> loop,
          std::shared_ptr<ttrpc::Client> client);

  std::string path_;
  std::unique_ptr<io::EventLoop> loop_;
  std::shared_ptr<ttrpc::Client> client_;  // closed before loop_ goes away
};

}  // namespace ember::ctl
