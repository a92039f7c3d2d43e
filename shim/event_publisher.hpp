#pragma once
// EventPublisher: forwards the shim's events to containerd's ttrpc events
// service (`containerd.services.events.ttrpc.v1.Events/Forward` at
// TTRPC_ADDRESS), as containerd's own shim publisher does: one Envelope per
// event (timestamp taken at publish, namespace, topic, the event as an Any
// whose type URL is the message's full name), the namespace also in the
// request metadata, 5 s per Forward.
//
// Nothing here waits: publish() queues and returns, and everything else runs
// on the shim's event loop. So containerd being absent, slow or restarted
// never delays a call:
// - one connection, made when there is something to send; a connect or
//   transport failure closes it and retries after a backoff that doubles from
//   initial_backoff to max_backoff;
// - at most max_queued events wait; when full, the oldest is dropped (and
//   counted);
// - after max_retries failed attempts in a row the queue is dropped and the
//   retries stop, until the next publish;
// - an event containerd answers with an error is dropped (it would get the
//   same answer again);
// - containerd being unreachable is logged once per outage, and the events
//   it cost are logged when it is back or the shim exits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace google::protobuf {
class MessageLite;
}

namespace ember::io {
class EventLoop;
}

namespace ember::shim {

// containerd's ttrpc events service and method.
inline constexpr const char* kEventsService = "containerd.services.events.ttrpc.v1.Events";
inline constexpr const char* kForwardMethod = "Forward";

struct PublisherOptions {
  std::size_t max_queued = 64;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  int max_retries = 8;                           // about 40 s of retries with the default backoff
  std::chrono::milliseconds call_timeout{5000};  // containerd's publisher: 5 s
};

// What the publisher did so far; for tests and the exit log line.
struct PublisherCounts {
  uint64_t forwarded = 0;  // answered OK by containerd
  uint64_t dropped = 0;    // pushed out of a full queue, or given up on
  uint64_t rejected = 0;   // answered with an error by containerd
};

class EventPublisher {
 public:
  // address: TTRPC_ADDRESS (a socket path, "unix://" prefix allowed); empty:
  // events are not published (logged once). ns: the envelope's namespace.
  EventPublisher(io::EventLoop& loop, std::string address, std::string ns,
                 PublisherOptions opts = {});
  // Loop thread, or after the loop stopped. Logs what was never forwarded.
  ~EventPublisher();
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Loop thread. Queues event under topic and returns.
  void publish(const std::string& topic, const google::protobuf::MessageLite& event);
  // Loop thread. Makes a retry that waits for its backoff now, then runs done
  // once (posted, never inside this call) when the queue is empty, at once
  // when containerd is not connected (queued events stay queued), and after
  // `bound` at the latest. The shim calls this before it exits, so that its
  // stop event goes out when containerd is there.
  void drain(std::chrono::milliseconds bound, std::function<void()> done);
  // Loop thread.
  PublisherCounts counts() const;
  std::size_t queued() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ember::shim
