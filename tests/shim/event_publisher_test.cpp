// EventPublisher against a fake of containerd's ttrpc events service on a
// unix socket in a temp dir: the wire it sends, the queue bound, reconnecting,
// and that nothing it does waits for containerd.
#include "shim/event_publisher.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "containerd_events.pb.h"
#include "events.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "shim/vm_events.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shim {
namespace {

namespace events_v1 = containerd::services::events::ttrpc::v1;
using namespace std::chrono_literals;

// A bound on waiting for what must happen; never a measurement.
constexpr std::chrono::seconds kWait{30};

void run_on(io::EventLoop& loop, const std::function<void()>& fn) {
  std::promise<void> done;
  loop.post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

struct Received {
  ttrpc::Request request;
  events_v1::ForwardRequest forward;
  std::string vm_id() const {
    VMStart start;  // VMStop has the same single field
    start.ParseFromString(forward.envelope().event().value());
    return start.vmid();
  }
};

// containerd's Events/Forward, faked on its own loop: records each request
// and answers OK, refuses the first `refusals`, or holds every reply.
class FakeContainerdEvents {
 public:
  enum class Answer { ok, hold };
  explicit FakeContainerdEvents(const std::string& path, Answer answer = Answer::ok,
                                int refusals = 0)
      : answer_(answer), refusals_(refusals) {
    loop_.start_thread();
    server_ = std::make_unique<ttrpc::Server>(loop_);
    server_->add_method(kEventsService, kForwardMethod,
                        [this](ttrpc::Request req, ttrpc::Responder r) { on_forward(req, r); });
    Status s = server_->listen(path);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Closes every connection, as a containerd that stops.
  ~FakeContainerdEvents() {
    run_on(loop_, [this] {
      server_.reset();
      held_.clear();
    });
  }

  bool wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return got_.size() >= n; });
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  void on_forward(const ttrpc::Request& req, const ttrpc::Responder& r) {
    Received got{req, {}};
    EXPECT_TRUE(got.forward.ParseFromString(req.payload));
    if (answer_ == Answer::hold) {
      held_.push_back(r);
    } else if (refusals_ > 0) {
      --refusals_;
      r.reply(Status::InvalidArgument("event envelope has invalid namespace"));
    } else {
      r.reply(Status::Ok());
    }
    std::lock_guard<std::mutex> lock(mu_);
    got_.push_back(std::move(got));
    cv_.notify_all();
  }

  const Answer answer_;
  int refusals_;                        // loop thread
  std::vector<ttrpc::Responder> held_;  // loop thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> got_;  // guarded by mu_
  io::EventLoop loop_;
  std::unique_ptr<ttrpc::Server> server_;
};

class EventPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_.start_thread(); }
  void TearDown() override {
    run_on(loop_, [this] { publisher_.reset(); });
  }

  void make_publisher(PublisherOptions opts = fast()) {
    run_on(loop_, [&] {
      publisher_ = std::make_unique<EventPublisher>(loop_, "unix://" + path_, "ns1", opts);
    });
  }
  // Short backoffs, unlimited retries.
  static PublisherOptions fast() {
    PublisherOptions opts;
    opts.initial_backoff = 10ms;
    opts.max_backoff = 50ms;
    opts.max_retries = 1 << 30;
    return opts;
  }
  void publish_start(const std::string& vm_id) {
    run_on(loop_, [&] { publish_vm_event(*publisher_, VmEvent::started, vm_id); });
  }
  PublisherCounts counts() {
    PublisherCounts c;
    run_on(loop_, [&] { c = publisher_->counts(); });
    return c;
  }
  std::size_t queued() {
    std::size_t n = 0;
    run_on(loop_, [&] { n = publisher_->queued(); });
    return n;
  }
  // Starts a drain with `bound`; the future is ready when it finished.
  std::future<void> drain(std::chrono::milliseconds bound) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    run_on(loop_, [&] { publisher_->drain(bound, [done] { done->set_value(); }); });
    return f;
  }

  shimtest::TempTree tree_;
  const std::string path_ = tree_ / "containerd.sock.ttrpc";
  io::EventLoop loop_;
  std::unique_ptr<EventPublisher> publisher_;
};

TEST_F(EventPublisherTest, ForwardsEachEventAsContainerdsShimPublisherDoes) {
  FakeContainerdEvents containerd(path_);
  make_publisher(PublisherOptions{});
  const auto before = std::chrono::system_clock::now();
  publish_start("vm1");
  run_on(loop_, [&] { publish_vm_event(*publisher_, VmEvent::stopped, "vm1"); });
  ASSERT_TRUE(containerd.wait_for(2));
  const auto after = std::chrono::system_clock::now();

  auto got = containerd.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request.metadata_value(ttrpc::kNamespaceKey), "ns1");
  EXPECT_EQ(got[0].request.timeout_nano, 5'000'000'000);
  const auto& start = got[0].forward.envelope();
  EXPECT_EQ(start.namespace_(), "ns1");
  EXPECT_EQ(start.topic(), "/firecracker-vm/start");
  EXPECT_EQ(start.event().type_url(), "VMStart");
  EXPECT_EQ(got[0].vm_id(), "vm1");
  const auto stamped = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(start.timestamp().seconds()) +
          std::chrono::nanoseconds(start.timestamp().nanos())));
  EXPECT_LE(before, stamped);
  EXPECT_LE(stamped, after);
  const auto& stop = got[1].forward.envelope();
  EXPECT_EQ(stop.topic(), "/firecracker-vm/stop");
  EXPECT_EQ(stop.event().type_url(), "VMStop");
  EXPECT_EQ(got[1].vm_id(), "vm1");
  ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(counts().forwarded, 2u);

  // The field numbers, byte for byte: ForwardRequest.envelope = 1;
  // Envelope.namespace = 2, topic = 3, event = 4; Any.type_url = 1, value = 2;
  // VMStart.VMID = 1.
  const std::string& wire = got[0].request.payload;
  EXPECT_EQ(wire[0], '\x0a');
  EXPECT_NE(wire.find(std::string("\x12\x03ns1", 5)), std::string::npos);
  EXPECT_NE(wire.find("\x1a\x15/firecracker-vm/start"), std::string::npos);
  EXPECT_NE(wire.find(std::string("\x0a\x07VMStart\x12\x05\x0a\x03vm1", 16)), std::string::npos);
}

TEST_F(EventPublisherTest, WithoutContainerdTheNewestEventsAreKeptUpToTheBound) {
  PublisherOptions opts = fast();
  opts.max_queued = 3;
  make_publisher(opts);
  for (int i = 0; i < 10; ++i)
    publish_start("e" + std::to_string(i));
  EXPECT_EQ(queued(), 3u);
  EXPECT_EQ(counts().dropped, 7u);

  FakeContainerdEvents containerd(path_);
  ASSERT_TRUE(containerd.wait_for(3));
  auto got = containerd.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].vm_id(), "e7");
  EXPECT_EQ(got[1].vm_id(), "e8");
  EXPECT_EQ(got[2].vm_id(), "e9");
}

// Lines logged while it lives, through spdlog's default logger.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  int count(const std::string& text) const {
    int n = 0;
    for (const auto& line : sink_->last_formatted())
      n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(EventPublisherTest, AnOutageIsLoggedOnceAndWhatItCostWhenContainerdIsBack) {
  CapturedLog log;
  PublisherOptions opts = fast();
  opts.max_queued = 2;
  opts.initial_backoff = 1h;  // the attempts below are the drains' own
  make_publisher(opts);
  for (int i = 0; i < 3; ++i)
    publish_start("e" + std::to_string(i));
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);  // one attempt each
  FakeContainerdEvents containerd(path_);
  ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(containerd.received().size(), 2u);
  EXPECT_EQ(log.count("cannot forward VM events to containerd at " + path_), 1);
  EXPECT_EQ(log.count("VM event queue full (2 events): dropping the oldest"), 1);
  EXPECT_EQ(log.count("forwarding VM events to containerd at " + path_ + " again (1 dropped"), 1);
}

TEST_F(EventPublisherTest, ReconnectsWhenContainerdComesBack) {
  make_publisher();
  {
    FakeContainerdEvents containerd(path_);
    publish_start("before");
    ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);  // answered
  }
  publish_start("while-away");
  FakeContainerdEvents restarted(path_);
  ASSERT_TRUE(restarted.wait_for(1));
  EXPECT_EQ(restarted.received()[0].vm_id(), "while-away");
  ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(counts().forwarded, 2u);
}

TEST_F(EventPublisherTest, AnEventContainerdRefusesIsDroppedAndTheNextGoesOn) {
  FakeContainerdEvents containerd(path_, FakeContainerdEvents::Answer::ok, /*refusals=*/1);
  make_publisher();
  publish_start("refused");
  publish_start("taken");
  ASSERT_TRUE(containerd.wait_for(2));
  auto got = containerd.received();
  EXPECT_EQ(got[0].vm_id(), "refused");
  EXPECT_EQ(got[1].vm_id(), "taken");
  ASSERT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  auto c = counts();
  EXPECT_EQ(c.rejected, 1u);
  EXPECT_EQ(c.forwarded, 1u);
}

TEST_F(EventPublisherTest, AfterMaxRetriesTheQueueIsDroppedAndTheNextEventTriesAgain) {
  PublisherOptions opts = fast();
  opts.max_retries = 1;  // the first failed connect gives up at once
  make_publisher(opts);
  publish_start("lost");
  EXPECT_EQ(queued(), 0u);
  EXPECT_EQ(counts().dropped, 1u);

  FakeContainerdEvents containerd(path_);
  publish_start("later");
  ASSERT_TRUE(containerd.wait_for(1));
  EXPECT_EQ(containerd.received()[0].vm_id(), "later");
}

TEST_F(EventPublisherTest, DrainEndsAtOnceWithoutContainerdAndKeepsTheQueue) {
  make_publisher();
  publish_start("queued");
  // Done long before its hour: the drain did not wait for containerd.
  EXPECT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(queued(), 1u);
}

TEST_F(EventPublisherTest, DrainRetriesAtOnceRatherThanAtTheEndOfTheBackoff) {
  PublisherOptions opts = fast();
  opts.initial_backoff = 1h;  // no retry comes by itself during the test
  make_publisher(opts);
  publish_start("stop-event");
  FakeContainerdEvents containerd(path_);
  EXPECT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(containerd.wait_for(1));
  EXPECT_EQ(containerd.received()[0].vm_id(), "stop-event");
  EXPECT_EQ(queued(), 0u);
}

TEST_F(EventPublisherTest, DrainEndsOnceAConnectedContainerdTookEverything) {
  FakeContainerdEvents containerd(path_);
  make_publisher();
  publish_start("a");
  publish_start("b");
  EXPECT_EQ(drain(1h).wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(counts().forwarded, 2u);
  EXPECT_EQ(queued(), 0u);
}

TEST_F(EventPublisherTest, AContainerdThatNeverAnswersBlocksNothing) {
  FakeContainerdEvents containerd(path_, FakeContainerdEvents::Answer::hold);
  PublisherOptions opts = fast();
  opts.max_queued = 4;
  opts.call_timeout = 100ms;
  make_publisher(opts);
  // Every publish returns (run_on waits for each) although nothing is answered.
  for (int i = 0; i < 50; ++i)
    publish_start("e" + std::to_string(i));
  EXPECT_EQ(queued(), 4u);
  // The drain ends at its bound.
  EXPECT_EQ(drain(20ms).wait_for(kWait), std::future_status::ready);
  // Past its call timeout the Forward is sent again, on a new connection.
  ASSERT_TRUE(containerd.wait_for(2));
  auto got = containerd.received();
  EXPECT_EQ(got[0].request.payload, got[1].request.payload);
  EXPECT_NE(got[0].request.connection, got[1].request.connection);
}

}  // namespace
}  // namespace ember::shim
