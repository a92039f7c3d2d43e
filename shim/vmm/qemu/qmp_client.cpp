#include "shim/vmm/qemu/qmp_client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/utf8_text.hpp"
#include "shim/vmm/qemu/qemu_fd_reader.hpp"

namespace ember::shim::qemu {
namespace {

Status error_status(const std::string& command, const QmpClient::Json& error) {
  const std::string cls = error.value("class", std::string());
  std::string message = "QMP " + command + ": " + error.value("desc", std::string("error " + cls));
  if (cls == "DeviceNotActive") return Status::FailedPrecondition(std::move(message));
  if (cls == "CommandNotFound") return Status::Unimplemented(std::move(message));
  if (cls == "DeviceNotFound") return Status::NotFound(std::move(message));
  return Status::Internal(std::move(message));
}

// Shortens what QEMU sent for an error message.
std::string excerpt(const std::string& line) {
  constexpr size_t kMax = 200;
  return line.size() <= kMax ? line : truncate_utf8(line, kMax) + "...";
}

}  // namespace

std::string qmp_run_status(const nlohmann::json& r) {
  if (r.is_object() && r.contains("status") && r["status"].is_string()) {
    return r["status"].get<std::string>();
  }
  return "in an unknown state";
}

QmpClient::QmpClient(io::EventLoop& loop, UniqueFd fd, EventFn on_event, ClosedFn on_closed)
    : loop_(loop),
      fd_(std::move(fd)),
      on_event_(std::move(on_event)),
      on_closed_(std::move(on_closed)),
      alive_(std::make_shared<char>()) {
  reader_ = std::make_unique<QemuFdReader>(
      loop_, fd_.get(), [this](std::string_view chunk) { on_data(chunk); },
      [this](int err) {
        fail(Status::Unavailable(err == 0 ? std::string("QMP connection closed by QEMU")
                                          : std::string("QMP read: ") + std::strerror(err)));
      });
}

QmpClient::~QmpClient() = default;

void QmpClient::execute(const std::string& command, Json args, ReplyFn reply) {
  if (closed_) {
    std::weak_ptr<char> alive = alive_;
    loop_.post([alive, why = closed_why_, reply = std::move(reply)] {
      if (!alive.expired()) reply(why, Json());
    });
    return;
  }
  queue_.push_back(Command{command, std::move(args), std::move(reply)});
  if (greeted_ && !in_flight_) send_next();
}

void QmpClient::close(const Status& why) {
  if (closed_) return;
  closed_ = true;
  closed_why_ = why;
  reader_.reset();
  fd_.reset();
  std::weak_ptr<char> alive = alive_;
  std::deque<Command> pending;
  pending.swap(queue_);
  in_flight_ = false;
  for (auto& c : pending) {
    if (alive.expired()) return;
    c.reply(why, Json());
  }
}

void QmpClient::fail(const Status& why) {
  if (closed_) return;
  std::weak_ptr<char> alive = alive_;
  close(why);
  if (!alive.expired() && on_closed_) on_closed_(why);
}

void QmpClient::on_data(std::string_view chunk) {
  std::weak_ptr<char> alive = alive_;
  while (!chunk.empty()) {
    const size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      break;
    }
    partial_.append(chunk.substr(0, nl));
    chunk.remove_prefix(nl + 1);
    std::string line = std::move(partial_);
    partial_.clear();
    if (line.size() > kMaxLine) {
      fail(Status::Internal("QMP: line longer than " + std::to_string(kMaxLine) + " bytes"));
      return;
    }
    handle_line(line);
    if (alive.expired() || closed_) return;
  }
  if (partial_.size() > kMaxLine) {
    fail(Status::Internal("QMP: line longer than " + std::to_string(kMaxLine) + " bytes"));
  }
}

void QmpClient::handle_line(const std::string& line) {
  if (line.find_first_not_of(" \t\r") == std::string::npos) return;
  Json msg = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded() || !msg.is_object()) {
    fail(Status::Internal("QMP: not a JSON object: " + excerpt(line)));
    return;
  }
  if (!greeted_) {
    if (!msg.contains("QMP")) {
      fail(Status::Internal("QMP: unexpected greeting: " + excerpt(line)));
      return;
    }
    greeted_ = true;
    // Capabilities negotiation goes before anything queued meanwhile.
    std::weak_ptr<char> alive = alive_;
    queue_.push_front(Command{"qmp_capabilities", Json(), [this, alive](Status s, const Json&) {
                                if (!s.ok() && !alive.expired()) fail(s);
                              }});
    send_next();
    return;
  }
  if (msg.contains("event")) {
    const Json& name = msg["event"];
    if (on_event_ && name.is_string()) {
      on_event_(name.get<std::string>(), msg.contains("data") ? msg["data"] : Json::object());
    }
    return;
  }
  if (msg.contains("return") || msg.contains("error")) {
    handle_reply(msg);
    return;
  }
  fail(Status::Internal("QMP: unexpected message: " + excerpt(line)));
}

void QmpClient::handle_reply(const Json& msg) {
  const bool expected = in_flight_ && !queue_.empty() && msg.contains("id") &&
                        msg["id"].is_number_unsigned() && msg["id"].get<uint64_t>() + 1 == next_id_;
  if (!expected) {
    fail(Status::Internal("QMP: reply to no pending command: " + excerpt(msg.dump())));
    return;
  }
  Command c = std::move(queue_.front());
  queue_.pop_front();
  in_flight_ = false;
  std::weak_ptr<char> alive = alive_;
  if (msg.contains("error")) {
    const Json& error = msg["error"];
    c.reply(error_status(c.name, error.is_object() ? error : Json::object()), Json());
  } else {
    c.reply(Status::Ok(), msg["return"]);
  }
  if (!alive.expired() && !closed_ && !in_flight_) send_next();
}

void QmpClient::send_next() {
  if (closed_ || in_flight_ || queue_.empty()) return;
  const Command& c = queue_.front();
  Json msg = {{"execute", c.name}, {"id", next_id_++}};
  if (!c.args.is_null()) msg["arguments"] = c.args;
  const std::string line = msg.dump() + "\n";
  in_flight_ = true;
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::send(fd_.get(), line.data() + done, line.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // One small command at a time: a full buffer means QEMU stopped reading.
    // Failed later: this may run inside execute(), which never replies.
    Status why = Status::Unavailable(std::string("QMP write: ") +
                                     (n < 0 ? std::strerror(errno) : "nothing written"));
    std::weak_ptr<char> alive = alive_;
    loop_.post([this, alive, why] {
      if (!alive.expired()) fail(why);
    });
    return;
  }
}

}  // namespace ember::shim::qemu
