#include "journal/journal_recorder.hpp"

#include <utility>

#include "journal/journal_writer.hpp"

namespace ember::journal {
namespace {

// One VM's completions, recorded, then passed on to the supervisor's events.
class RecordingEvents final : public msg::VmEvents {
 public:
  RecordingEvents(JournalWriter& writer, uint64_t incarnation, const msg::VmKey& key,
                  std::shared_ptr<msg::VmEvents> inner)
      : writer_(writer), incarnation_(incarnation), key_(key), inner_(std::move(inner)) {}

  void started(Status status, int32_t shim_pid) override {
    if (writer_.enabled()) {
      Record r;
      Started* s = completion(&r)->mutable_started();
      s->set_code(static_cast<int32_t>(status.code()));
      s->set_message(status.message());
      s->set_pid(shim_pid);
      writer_.append(std::move(r));
    }
    inner_->started(std::move(status), shim_pid);
  }

  void shim_replied(uint64_t call_id, msg::RpcReply reply) override {
    if (writer_.enabled()) {
      Record r;
      ShimReply* s = completion(&r)->mutable_shim_reply();
      s->set_call_id(call_id);
      s->set_code(reply.code);
      s->set_message(reply.message);
      s->set_payload(reply.payload);
      writer_.append(std::move(r));
    }
    inner_->shim_replied(call_id, std::move(reply));
  }

  void shim_exited(msg::ShimExit exit) override {
    if (writer_.enabled()) {
      Record r;
      ShimExit* s = completion(&r)->mutable_shim_exit();
      s->set_code(exit.code);
      s->set_signal(exit.signal);
      writer_.append(std::move(r));
    }
    inner_->shim_exited(exit);
  }

  void timer_fired(uint64_t token) override {
    if (writer_.enabled()) {
      Record r;
      completion(&r)->mutable_timer()->set_token(token);
      writer_.append(std::move(r));
    }
    inner_->timer_fired(token);
  }

 private:
  Completion* completion(Record* r) const {
    Completion* c = r->mutable_completion();
    c->set_incarnation(incarnation_);
    c->set_ns(key_.ns);
    c->set_vm_id(key_.id);
    return c;
  }

  JournalWriter& writer_;
  const uint64_t incarnation_;
  const msg::VmKey key_;
  const std::shared_ptr<msg::VmEvents> inner_;
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

void JournalRecorder::record_rpc(msg::InboundRpc* rpc, uint64_t connection, uint32_t stream_id) {
  if (!writer_.enabled()) return;
  const uint64_t rpc_id = ++rpc_ids_;
  Record r;
  Rpc* in = r.mutable_rpc();
  in->set_rpc_id(rpc_id);
  in->set_connection(connection);
  in->set_stream_id(stream_id);
  in->set_ns(rpc->ns);
  in->set_method(msg::method_name(rpc->method));
  in->set_payload(rpc->payload);
  in->set_timeout_nano(rpc->timeout_nano);
  writer_.append(std::move(r));
  rpc->reply = [&writer = writer_, rpc_id,
                answer = std::move(rpc->reply)](const msg::RpcReply& out) {
    if (writer.enabled()) {
      Record rec;
      Reply* reply = rec.mutable_reply();
      reply->set_rpc_id(rpc_id);
      reply->set_code(out.code);
      reply->set_message(out.message);
      reply->set_payload(out.payload);
      writer.append(std::move(rec));
    }
    answer(out);
  };
}

void JournalRecorder::record_adopt(const msg::VmKey& key, const msg::ShimRecord& shim) {
  if (!writer_.enabled()) return;
  Record r;
  Adopt* a = r.mutable_adopt();
  a->set_ns(key.ns);
  a->set_vm_id(key.id);
  a->set_pid(shim.pid);
  a->set_start_time(shim.start_time);
  a->set_shim_socket(shim.shim_socket);
  a->set_fccontrol_socket(shim.fccontrol_socket);
  writer_.append(std::move(r));
}

}  // namespace ember::journal
