#include "journal/journal_recorder.hpp"

#include <mutex>
#include <utility>

#include "journal/journal_writer.hpp"

namespace ember::journal {
namespace {

// One VM's completions, recorded, then passed on to the supervisor's events.
// Recording and passing on happen under one lock, so the supervisor gets
// them in journal order even when they come from different threads.
class RecordingEvents final : public msg::VmEvents {
 public:
  RecordingEvents(JournalWriter& writer, uint64_t incarnation, const msg::VmKey& key,
                  std::shared_ptr<msg::VmEvents> inner)
      : writer_(writer), key_(key), of_{incarnation, &key_}, inner_(std::move(inner)) {}

  void started(Status status, int32_t shim_pid) override {
    in_order(entry::Started{of_, static_cast<int32_t>(status.code()), status.message(), shim_pid},
             [&] { inner_->started(std::move(status), shim_pid); });
  }

  void shim_replied(uint64_t call_id, msg::RpcReply reply) override {
    in_order(entry::ShimReplied{of_, call_id, &reply},
             [&] { inner_->shim_replied(call_id, std::move(reply)); });
  }

  void shim_exited(msg::ShimExit exit) override {
    in_order(entry::ShimExited{of_, exit}, [&] { inner_->shim_exited(exit); });
  }

  void timer_fired(uint64_t token) override {
    in_order(entry::TimerFired{of_, token}, [&] { inner_->timer_fired(token); });
  }

  // Not recorded: it feeds the inventory only, which replay does not have.
  void guest_status(msg::GuestStatus status) override { inner_->guest_status(std::move(status)); }

 private:
  // Records what (if the journal is on), then passes it on, under order_.
  template <class Forward>
  void in_order(const entry::Any& what, Forward&& pass_on) {
    std::lock_guard<std::mutex> lock(order_);
    if (writer_.enabled()) writer_.append(what);
    pass_on();
  }

  JournalWriter& writer_;
  const msg::VmKey key_;
  const entry::Incarnation of_;  // refers to key_
  const std::shared_ptr<msg::VmEvents> inner_;
  std::mutex order_;
};

// What a recorded RPC's reply needs. Shared, so the ReplyFn the actors copy
// along the way copies one pointer.
struct RecordedReply {
  JournalWriter& writer;
  uint64_t rpc_id;
  msg::ReplyFn answer;
};

}  // namespace

RecordingEffectsFactory::RecordingEffectsFactory(msg::EffectsFactory& inner, JournalWriter& writer)
    : inner_(inner), writer_(writer) {}

std::unique_ptr<msg::VmEffects> RecordingEffectsFactory::make(
    const msg::VmKey& key, std::shared_ptr<msg::VmEvents> events) {
  // Counted whether or not the journal is on: incarnations stay unique
  // emberd-wide across a pause in the recording.
  const uint64_t incarnation = ++incarnations_;
  return inner_.make(
      key, std::make_shared<RecordingEvents>(writer_, incarnation, key, std::move(events)));
}

void RecordingEffectsFactory::Steps::step(const Step& s) {
  if (writer_.enabled()) writer_.append(entry::Step{&s});
}

void JournalRecorder::record_rpc(msg::InboundRpc* rpc, uint64_t connection, uint32_t stream_id) {
  if (!writer_.enabled()) return;
  const uint64_t rpc_id = ++rpc_ids_;
  writer_.append(entry::Rpc{rpc_id, connection, stream_id, rpc->ns, rpc->method, rpc->payload,
                            rpc->timeout_nano});
  auto recorded =
      std::make_shared<const RecordedReply>(RecordedReply{writer_, rpc_id, std::move(rpc->reply)});
  rpc->reply = [recorded](const msg::RpcReply& out) {
    if (recorded->writer.enabled()) recorded->writer.append(entry::Reply{recorded->rpc_id, &out});
    recorded->answer(out);
  };
}

void JournalRecorder::record_adopt(const msg::VmKey& key, const msg::ShimRecord& shim) {
  if (writer_.enabled()) writer_.append(entry::Adopt{&key, &shim});
}

}  // namespace ember::journal
