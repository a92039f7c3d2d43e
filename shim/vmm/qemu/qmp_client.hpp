#pragma once
// QmpClient: QEMU's machine protocol over a connected unix stream socket, on
// the event loop. Each side sends one JSON object per line. The client reads
// QEMU's greeting, negotiates capabilities, then sends commands one at a time
// in the order given, each after the previous reply (so a small command never
// meets a full socket buffer). Events are delivered as they arrive.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"

namespace ember::shim::qemu {

class QemuFdReader;

class QmpClient {
 public:
  using Json = nlohmann::json;
  // OK with the command's "return" value, or the error.
  using ReplyFn = std::function<void(Status, const Json& result)>;
  using EventFn = std::function<void(const std::string& event, const Json& data)>;
  using ClosedFn = std::function<void(const Status& why)>;

  // A longer line from QEMU is a protocol error.
  static constexpr size_t kMaxLine = 1 << 20;

  // Takes a connected socket and starts reading. on_closed runs once when the
  // connection ends by itself (QEMU closed it, a read or protocol error),
  // after every pending command failed with the same status.
  QmpClient(io::EventLoop& loop, UniqueFd fd, EventFn on_event, ClosedFn on_closed);
  // Pending commands are dropped without a reply.
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Queues a command; args may be null (no "arguments"). The reply runs on the
  // loop thread, never inside this call. Error replies become a Status whose
  // message is "QMP <command>: <desc>" (DeviceNotActive: FAILED_PRECONDITION,
  // CommandNotFound: UNIMPLEMENTED, DeviceNotFound: NOT_FOUND, else INTERNAL).
  void execute(const std::string& command, Json args, ReplyFn reply);

  // Ends the connection now: pending commands fail with `why` (synchronously),
  // on_closed does not run. Later commands fail with `why` too.
  void close(const Status& why);
  bool closed() const { return closed_; }

 private:
  struct Command {
    std::string name;
    Json args;
    ReplyFn reply;
  };

  void on_data(std::string_view chunk);
  void handle_line(const std::string& line);
  void handle_reply(const Json& msg);
  void send_next();
  // Ends the connection by itself: close(why), then on_closed.
  void fail(const Status& why);

  io::EventLoop& loop_;
  UniqueFd fd_;
  EventFn on_event_;
  ClosedFn on_closed_;
  std::unique_ptr<QemuFdReader> reader_;
  std::string partial_;        // bytes of an unfinished line
  std::deque<Command> queue_;  // front is on the wire when in_flight_
  bool greeted_ = false;       // the greeting was read
  bool in_flight_ = false;
  bool closed_ = false;
  Status closed_why_;  // valid once closed_
  uint64_t next_id_ = 1;
  std::shared_ptr<char> alive_;  // callbacks hold a weak_ptr to it
};

// query-status's "status" ("running", "paused", ...), or "in an unknown
// state" when the reply has none.
std::string qmp_run_status(const nlohmann::json& query_status_return);

}  // namespace ember::shim::qemu
