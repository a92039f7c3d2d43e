#include "shim/event_publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <map>
#include <utility>

#include "containerd_events.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"

namespace ember::shim {
namespace {

namespace events_v1 = containerd::services::events::ttrpc::v1;

std::string socket_path_of(std::string address) {
  const std::string scheme = "unix://";
  if (address.compare(0, scheme.size(), scheme) == 0) address.erase(0, scheme.size());
  return address;
}

// The ForwardRequest containerd's publisher sends for one event; the type URL
// is the message's full name, as containerd's typeurl gives for a message it
// has no registration for.
std::string forward_request(const std::string& ns, const std::string& topic,
                            const google::protobuf::MessageLite& event) {
  events_v1::ForwardRequest req;
  events_v1::Envelope* env = req.mutable_envelope();
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  env->mutable_timestamp()->set_seconds(seconds.count());
  env->mutable_timestamp()->set_nanos(static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  env->set_namespace_(ns);
  env->set_topic(topic);
  env->mutable_event()->set_type_url(event.GetTypeName());
  env->mutable_event()->set_value(event.SerializeAsString());
  return req.SerializeAsString();
}

// Failures of the connection (the client's own answers: the event may go
// through on another); any other status is containerd's answer to the event.
bool is_transport_failure(const Status& s) {
  return s.code() == Code::unavailable || s.code() == Code::deadline_exceeded;
}

}  // namespace

struct EventPublisher::State : std::enable_shared_from_this<State> {
  State(io::EventLoop& l, std::string p, std::string n, PublisherOptions o)
      : loop(l), path(std::move(p)), ns(std::move(n)), opts(o), backoff(o.initial_backoff) {}

  void enqueue(std::string request);
  void pump();
  bool connect();
  void send_head();
  void on_forwarded(const std::shared_ptr<ttrpc::Client>& via, const ttrpc::CallResult& r);
  void on_failure(const Status& why);
  void on_success();
  void retry_later();
  // Drains end once the queue is empty or containerd is not connected.
  bool idle() const { return queue.empty() || !client; }
  void finish_drains_if_idle();
  void finish_drain(uint64_t id);
  std::weak_ptr<State> weak() { return weak_from_this(); }

  io::EventLoop& loop;
  const std::string path;
  const std::string ns;
  const PublisherOptions opts;

  std::deque<std::string> queue;           // serialized ForwardRequests, oldest first
  std::shared_ptr<ttrpc::Client> client;   // while connected
  bool sending = false;                    // the head of queue is in flight
  io::EventLoop::WatchId retry_timer = 0;  // 0: no retry pending
  int failures = 0;                        // attempts failed in a row
  std::chrono::milliseconds backoff;
  bool outage_logged = false;
  uint64_t dropped_in_outage = 0;
  PublisherCounts counts;
  uint64_t next_drain = 1;
  struct Drain {
    std::function<void()> done;
    io::EventLoop::WatchId timer = 0;
  };
  std::map<uint64_t, Drain> drains;
};

void EventPublisher::State::enqueue(std::string request) {
  if (queue.size() >= opts.max_queued) {
    if (dropped_in_outage == 0) {
      spdlog::warn("VM event queue full ({} events): dropping the oldest", queue.size());
    }
    ++counts.dropped;
    ++dropped_in_outage;
    // The oldest that is not in flight; the new one if only that is left.
    const std::size_t oldest = sending ? 1 : 0;
    if (queue.size() <= oldest) return;
    queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(oldest));
  }
  queue.push_back(std::move(request));
  pump();
}

void EventPublisher::State::pump() {
  if (sending || retry_timer != 0 || queue.empty()) return;
  if (!client && !connect()) return;
  send_head();
}

bool EventPublisher::State::connect() {
  Status s;
  client = ttrpc::Client::connect(loop, path, &s);
  if (!client) {
    on_failure(s);
    return false;
  }
  // containerd went away while the connection was idle: connect again when
  // there is something to send.
  std::weak_ptr<ttrpc::Client> conn = client;
  client->on_close([self = weak(), conn] {
    auto st = self.lock();
    if (!st || st->client != conn.lock()) return;
    st->client.reset();
    st->finish_drains_if_idle();
  });
  return true;
}

void EventPublisher::State::send_head() {
  sending = true;
  ttrpc::CallOptions call;
  call.timeout = opts.call_timeout;
  call.metadata.emplace_back(ttrpc::kNamespaceKey, ns);
  std::shared_ptr<ttrpc::Client> via = client;
  via->call(kEventsService, kForwardMethod, queue.front(), std::move(call),
            [self = weak(), via](ttrpc::CallResult r) {
              if (auto st = self.lock()) st->on_forwarded(via, r);
            });
}

void EventPublisher::State::on_forwarded(const std::shared_ptr<ttrpc::Client>& via,
                                         const ttrpc::CallResult& r) {
  sending = false;
  if (r.status.ok() || !is_transport_failure(r.status)) {
    queue.pop_front();
    if (r.status.ok()) {
      ++counts.forwarded;
      on_success();
    } else {
      ++counts.rejected;
      spdlog::warn("containerd refused a VM event: {}", r.status.ToString());
    }
    pump();
  } else {
    if (client == via) client.reset();
    via->close();
    on_failure(r.status);
  }
  finish_drains_if_idle();
}

void EventPublisher::State::on_failure(const Status& why) {
  client.reset();
  ++failures;
  if (!outage_logged) {
    outage_logged = true;
    spdlog::warn(
        "cannot forward VM events to containerd at {}: {}; the VM runs on, at most {} events "
        "are kept and retried",
        path, why.ToString(), opts.max_queued);
  }
  if (failures >= opts.max_retries) {
    spdlog::warn("giving up on {} VM events after {} attempts", queue.size(), failures);
    counts.dropped += queue.size();
    dropped_in_outage += queue.size();
    queue.clear();
    failures = 0;
    backoff = opts.initial_backoff;
  } else {
    retry_later();
  }
  finish_drains_if_idle();
}

void EventPublisher::State::retry_later() {
  const long ms = static_cast<long>(backoff.count());
  backoff = std::min(backoff * 2, opts.max_backoff);
  retry_timer = loop.after(ms, [self = weak()] {
    auto st = self.lock();
    if (!st) return;
    st->retry_timer = 0;
    st->pump();
  });
}

void EventPublisher::State::on_success() {
  if (outage_logged) {
    spdlog::info("forwarding VM events to containerd at {} again ({} dropped meanwhile)", path,
                 dropped_in_outage);
  }
  outage_logged = false;
  dropped_in_outage = 0;
  failures = 0;
  backoff = opts.initial_backoff;
}

void EventPublisher::State::finish_drains_if_idle() {
  if (!idle()) return;
  while (!drains.empty())
    finish_drain(drains.begin()->first);
}

void EventPublisher::State::finish_drain(uint64_t id) {
  auto it = drains.find(id);
  if (it == drains.end()) return;
  Drain d = std::move(it->second);
  drains.erase(it);
  if (d.timer != 0) loop.cancel_watch(d.timer);
  loop.post(std::move(d.done));
}

// ---- EventPublisher ----

EventPublisher::EventPublisher(io::EventLoop& loop, std::string address, std::string ns,
                               PublisherOptions opts)
    : state_(
          std::make_shared<State>(loop, socket_path_of(std::move(address)), std::move(ns), opts)) {
  if (state_->path.empty()) spdlog::info("no TTRPC_ADDRESS: VM events are not published");
}

EventPublisher::~EventPublisher() {
  State& st = *state_;
  if (st.retry_timer != 0) st.loop.cancel_watch(st.retry_timer);
  for (auto& [id, d] : st.drains) {
    if (d.timer != 0) st.loop.cancel_watch(d.timer);
  }
  if (st.client) st.client->close();
  if (!st.queue.empty() || st.counts.dropped > 0) {
    spdlog::warn("{} VM events were not forwarded to containerd ({} dropped, {} still queued)",
                 st.counts.dropped + st.queue.size(), st.counts.dropped, st.queue.size());
  }
}

void EventPublisher::publish(const std::string& topic, const google::protobuf::MessageLite& event) {
  if (state_->path.empty()) return;
  state_->enqueue(forward_request(state_->ns, topic, event));
}

void EventPublisher::drain(std::chrono::milliseconds bound, std::function<void()> done) {
  State& st = *state_;
  // One last attempt now rather than at the end of a backoff: containerd
  // may be back, and the exiting shim's stop event is queued.
  if (st.retry_timer != 0 && !st.queue.empty()) {
    st.loop.cancel_watch(st.retry_timer);
    st.retry_timer = 0;
    st.pump();
  }
  if (st.idle()) {
    st.loop.post(std::move(done));
    return;
  }
  const uint64_t id = st.next_drain++;
  st.drains[id].done = std::move(done);
  st.drains[id].timer = st.loop.after(static_cast<long>(bound.count()), [self = st.weak(), id] {
    auto s = self.lock();
    if (!s) return;
    auto it = s->drains.find(id);
    if (it == s->drains.end()) return;
    it->second.timer = 0;  // fired: nothing to cancel
    s->finish_drain(id);
  });
}

PublisherCounts EventPublisher::counts() const {
  return state_->counts;
}

std::size_t EventPublisher::queued() const {
  return state_->queue.size();
}

}  // namespace ember::shim
