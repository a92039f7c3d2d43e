#pragma once
// JournalBuilder: writes journals for the replay tests by hand (Header, then
// Records, each varint-length-delimited), independent of emberd's writer.
// Completions name their incarnation as the recorder does (from 1, in the
// order supervisors were made).
#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "journal.pb.h"
#include "replay/replay.hpp"

namespace ember::replaytest {

class JournalBuilder {
 public:
  JournalBuilder();

  // Moves the recorded clock on (records carry the time they were added).
  void advance_ms(int64_t ms) { mono_ += ms * 1000000; }

  // An inbound RPC on connection conn; returns its rpc_id.
  uint64_t rpc(const std::string& method, const std::string& vm_id, uint64_t conn = 1,
               int64_t timeout_ms = 0, const std::string& ns = "default");
  void reply(uint64_t rpc_id, Code code, const std::string& message = "",
             const std::string& payload = "");
  // A shim found running at start-up.
  void adopt(const std::string& vm_id, int32_t pid);
  void started(uint64_t incarnation, const std::string& vm_id, Code code = Code::ok,
               int32_t pid = 100);
  void shim_reply(uint64_t incarnation, const std::string& vm_id, uint64_t call_id,
                  Code code = Code::ok, const std::string& payload = "");
  void shim_exit(uint64_t incarnation, const std::string& vm_id, int32_t code = 0);
  // Actor `actor` takes a message from `sender` (0: none) led by atom `kind`
  // (0: none); the first step of an actor id names it (role, and vm_id for a
  // supervisor). Marks the journal as one with steps.
  void step(journal::Step::Role role, uint64_t actor, uint64_t sender, uint64_t kind,
            const std::string& vm_id = "");

  replay::Journal journal() const { return journal_; }
  // Writes the journal to path as emberd would.
  bool write(const std::string& path) const;

 private:
  journal::Record& add();
  journal::Completion& completion(uint64_t incarnation, const std::string& vm_id);

  replay::Journal journal_;
  int64_t mono_ = 0;
  uint64_t next_rpc_ = 1;
};

// The journal of one VM's life: CreateVM, GetVMInfo, StopVM, all OK.
// info_code: what the recording says GetVMInfo was answered.
JournalBuilder lifecycle_journal(Code info_code = Code::ok);
// One VM created and stopped on connection 1, then created and stopped again
// on connection 2 right after the first StopVM was answered.
JournalBuilder recreate_journal();
// `vms` VMs, each created, asked for info `infos` times and stopped, their
// calls interleaved; about (7 + 3 * infos) records per VM.
JournalBuilder fleet_journal(int vms, int infos);

}  // namespace ember::replaytest
