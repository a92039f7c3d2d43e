#include "recording_server.hpp"

#include <future>
#include <utility>

#include <google/protobuf/message_lite.h>

#include "io/event_loop.hpp"

namespace ember::ctltest {
namespace {

constexpr const char* kMethods[] = {
    "CreateVM",         "PauseVM",       "ResumeVM",         "StopVM",
    "GetVMInfo",        "SetVMMetadata", "UpdateVMMetadata", "GetVMMetadata",
    "GetBalloonConfig", "UpdateBalloon", "GetBalloonStats",  "UpdateBalloonStats",
};

}  // namespace

RecordingServer::RecordingServer(bool with_listings) : loop_(std::make_unique<io::EventLoop>()) {
  server_ = std::make_unique<ttrpc::Server>(*loop_);
  for (const char* method : kMethods) {
    server_->add_method("Firecracker", method, [this](ttrpc::Request req, ttrpc::Responder r) {
      handle(std::move(req), std::move(r));
    });
  }
  // emberd's own extension services that emberctl lists with.
  if (with_listings)
    for (const auto& [service, method] :
         {std::pair<const char*, const char*>{"ember.v1.Inventory", "ListVMs"},
          {"ember.v1.Fleet", "ListMembers"}}) {
      server_->add_method(service, method, [this](ttrpc::Request req, ttrpc::Responder r) {
        handle(std::move(req), std::move(r));
      });
    }
  loop_->start_thread();
}

RecordingServer::~RecordingServer() {
  // The server must go away on its loop thread; wait for that, then the loop.
  std::promise<void> done;
  loop_->post([this, &done] {
    server_.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_.clear();
    }
    done.set_value();
  });
  done.get_future().wait();
  loop_.reset();
}

Status RecordingServer::listen(const std::string& path) {
  return server_->listen(path);
}

void RecordingServer::reply(const std::string& method,
                            const google::protobuf::MessageLite& response) {
  reply_raw(method, response.SerializeAsString());
}

void RecordingServer::reply_raw(const std::string& method, std::string payload) {
  std::lock_guard<std::mutex> lock(mu_);
  canned_[method] = Canned{Status::Ok(), std::move(payload), false};
}

void RecordingServer::fail(const std::string& method, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  canned_[method] = Canned{std::move(status), {}, false};
}

void RecordingServer::hold(const std::string& method) {
  std::lock_guard<std::mutex> lock(mu_);
  canned_[method] = Canned{Status::Ok(), {}, true};
}

std::vector<RecordedCall> RecordingServer::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

void RecordingServer::handle(ttrpc::Request req, ttrpc::Responder responder) {
  Canned answer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(
        RecordedCall{req.service, req.method, req.payload, req.timeout_nano, req.metadata});
    auto it = canned_.find(req.method);
    if (it != canned_.end()) answer = it->second;
    if (answer.hold) {
      held_.push_back(std::move(responder));
      return;
    }
  }
  responder.reply(answer.status, std::move(answer.payload));
}

}  // namespace ember::ctltest
