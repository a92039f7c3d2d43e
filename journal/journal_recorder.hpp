#pragma once
// The taps that feed emberd's journal: every input of the actor system is
// recorded on the thread that hands it to the actors, just before it is sent,
// so the journal holds the inputs in the order the actors see them.
//  - RecordingEffectsFactory wraps the production EffectsFactory: each VM's
//    completions (started, shim reply, shim exit, timer) become Completion
//    records, numbered by incarnation (the make() call, from 1).
//    It is also the actors' StepSink: each message an actor takes becomes a
//    Step record, so replay can follow the order the actors really took
//    their messages in.
//  - JournalRecorder records each inbound RPC (Rpc, rpc_id from 1), wraps its
//    reply so the Reply is recorded before it goes out, and records each
//    Adopt at start-up.
// Everything checks JournalWriter::enabled() first: a journal switched off
// costs one branch per input.
#include <atomic>
#include <cstdint>
#include <memory>

#include "messages/vm_effects.hpp"
#include "messages/vm_types.hpp"

namespace ember::journal {

class JournalWriter;

class RecordingEffectsFactory final : public msg::EffectsFactory {
 public:
  // inner and writer outlive this factory and every effects object it made.
  RecordingEffectsFactory(msg::EffectsFactory& inner, JournalWriter& writer);
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey& key,
                                       std::shared_ptr<msg::VmEvents> events) override;
  msg::StepSink* steps() override { return &steps_; }

 private:
  class Steps final : public msg::StepSink {
   public:
    explicit Steps(JournalWriter& writer) : writer_(writer) {}
    void step(const Step& s) override;

   private:
    JournalWriter& writer_;
  };

  msg::EffectsFactory& inner_;
  JournalWriter& writer_;
  Steps steps_{writer_};
  std::atomic<uint64_t> incarnations_{0};
};

class JournalRecorder {
 public:
  explicit JournalRecorder(JournalWriter& writer) : writer_(writer) {}

  // Records rpc as it arrived on (connection, stream_id) and makes its reply
  // record a Reply before answering. Call before sending rpc to the actors.
  void record_rpc(msg::InboundRpc* rpc, uint64_t connection, uint32_t stream_id);
  // Records the adoption of a shim found at start-up, before it is requested.
  void record_adopt(const msg::VmKey& key, const msg::ShimRecord& shim);

 private:
  JournalWriter& writer_;
  std::atomic<uint64_t> rpc_ids_{0};
};

}  // namespace ember::journal
