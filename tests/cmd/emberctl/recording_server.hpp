#pragma once
// RecordingServer: a ttrpc server for the Firecracker service that records
// every request it decodes and answers with a canned reply, so tests can see
// exactly what emberctl sent and control what it gets back.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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

namespace ember::ctltest {

struct RecordedCall {
  std::string service;
  std::string method;
  std::string payload;
  int64_t timeout_nano = 0;
  ttrpc::Metadata metadata;
};

class RecordingServer {
 public:
  // with_listings: also ember.v1.Inventory/ListVMs and ember.v1.Fleet/ListMembers.
  explicit RecordingServer(bool with_listings = false);
  ~RecordingServer();  // closes every connection; held calls are never answered
  RecordingServer(const RecordingServer&) = delete;
  RecordingServer& operator=(const RecordingServer&) = delete;

  // Serves the methods on a unix socket at path.
  Status listen(const std::string& path);

  // What a method answers from now on. Default: OK with an empty payload
  // (the response message with every field unset).
  void reply(const std::string& method, const google::protobuf::MessageLite& response);
  void reply_raw(const std::string& method, std::string payload);
  void fail(const std::string& method, Status status);
  // The method never answers (until the server is destroyed).
  void hold(const std::string& method);

  std::vector<RecordedCall> calls() const;

 private:
  struct Canned {
    Status status;
    std::string payload;
    bool hold = false;
  };
  void handle(ttrpc::Request req, ttrpc::Responder responder);

  std::unique_ptr<io::EventLoop> loop_;
  std::unique_ptr<ttrpc::Server> server_;  // used and destroyed on the loop thread
  mutable std::mutex mu_;
  std::map<std::string, Canned> canned_;  // guarded by mu_
  std::vector<RecordedCall> calls_;       // guarded by mu_
  std::vector<ttrpc::Responder> held_;    // guarded by mu_
};

}  // namespace ember::ctltest
