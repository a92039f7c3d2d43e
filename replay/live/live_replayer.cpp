#include "replay/live/live_replayer.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <future>
#include <memory>
#include <queue>
#include <utility>
#include <vector>

#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/fccontrol_methods.hpp"

namespace ember::replay::live {

using Clock = std::chrono::steady_clock;

// One replay, touched only on the loop thread once started.
struct LiveReplayer::Run {
  const LivePlan& plan;
  const LiveOptions& options;
  io::EventLoop& loop;
  std::shared_ptr<ttrpc::Client> client;
  LiveResult& result;
  std::vector<std::size_t> next_of_vm;  // next call of the same VM, or kNone
  std::deque<std::size_t> ready;        // due now, in the order they became due
  // Calls held back until enough calls were answered (replies_before), least first.
  using Parked = std::pair<uint64_t, std::size_t>;
  std::priority_queue<Parked, std::vector<Parked>, std::greater<Parked>> parked;
  std::size_t answered = 0;
  Clock::time_point start;
  std::promise<void> all_answered;

  Run(const LivePlan& p, const LiveOptions& o, io::EventLoop& l, LiveResult& r)
      : plan(p), options(o), loop(l), result(r) {
    next_of_vm.assign(plan.calls.size(), PlannedCall::kNone);
    for (std::size_t i = 0; i < plan.calls.size(); ++i) {
      if (plan.calls[i].previous != PlannedCall::kNone) next_of_vm[plan.calls[i].previous] = i;
    }
  }

  void begin() {
    start = Clock::now();
    for (std::size_t i = 0; i < plan.calls.size(); ++i) {
      if (plan.calls[i].previous == PlannedCall::kNone) consider(i);
    }
    drain();
  }

  // Call i may go now as far as ordering goes: queue it, or wait for its time.
  void consider(std::size_t i) {
    if (plan.calls[i].replies_before > answered) {
      parked.emplace(plan.calls[i].replies_before, i);
      return;
    }
    if (options.fast) {
      ready.push_back(i);
      return;
    }
    const int64_t offset =
        std::max<int64_t>(0, plan.calls[i].sent_nanos - plan.calls[0].sent_nanos);
    const auto due = start + std::chrono::nanoseconds(static_cast<int64_t>(
                                 std::ceil(static_cast<double>(offset) / options.speed)));
    const auto now = Clock::now();
    if (due <= now) {
      ready.push_back(i);
      return;
    }
    // Rounded up: a call never goes before its scaled recorded time.
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(due - now);
    loop.after(static_cast<long>(wait.count()), [this, i] {
      ready.push_back(i);
      drain();
    });
  }

  // Sends the queued calls; a sent call may release the next of its VM.
  void drain() {
    while (!ready.empty()) {
      const std::size_t i = ready.front();
      ready.pop_front();
      send(i);
      const std::size_t next = next_of_vm[i];
      if (next != PlannedCall::kNone && !plan.calls[next].after_answer) consider(next);
    }
  }

  void send(std::size_t i) {
    const PlannedCall& call = plan.calls[i];
    ttrpc::CallOptions opts;
    // A negative recorded timeout cannot be a deadline; 0 means none.
    opts.timeout = std::chrono::nanoseconds(std::max<int64_t>(0, call.timeout_nano));
    if (!call.ns.empty()) opts.metadata.emplace_back(ttrpc::kNamespaceKey, call.ns);
    client->call(msg::kFirecrackerService, call.method, call.payload, std::move(opts),
                 [this, i](ttrpc::CallResult r) { on_answer(i, r.status); });
  }

  void on_answer(std::size_t i, const Status& status) {
    result.got[i] = CallOutcome{status.code(), status.message()};
    ++answered;
    if (options.on_progress) options.on_progress(answered, plan.calls.size());
    while (!parked.empty() && parked.top().first <= answered) {
      const std::size_t held = parked.top().second;
      parked.pop();
      consider(held);
    }
    const std::size_t next = next_of_vm[i];
    if (next != PlannedCall::kNone && plan.calls[next].after_answer) consider(next);
    drain();
    if (answered == plan.calls.size()) {
      result.elapsed = Clock::now() - start;
      all_answered.set_value();
    }
  }
};

LiveReplayer::LiveReplayer(LiveOptions options) : options_(std::move(options)) {}

Status LiveReplayer::run(const LivePlan& plan, LiveResult* out) {
  LiveResult result;
  result.got.resize(plan.calls.size());
  if (plan.calls.empty()) {
    *out = std::move(result);
    return Status::Ok();
  }
  auto loop = std::make_unique<io::EventLoop>();
  Status error;
  auto client = ttrpc::Client::connect(*loop, options_.address, &error);
  if (!client) {
    return Status::Unavailable("cannot connect to " + options_.address + ": " + error.message());
  }
  Run replay(plan, options_, *loop, result);
  replay.client = client;
  std::future<void> finished = replay.all_answered.get_future();
  loop->start_thread();
  loop->post([&replay] { replay.begin(); });
  finished.wait();
  // Every call was answered, so no completion or timer of the run is
  // pending; the loop thread is joined before `replay` goes away.
  client->close();
  client.reset();
  replay.client.reset();
  loop.reset();
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace ember::replay::live
