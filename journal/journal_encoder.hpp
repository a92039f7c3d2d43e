#pragma once
// RecordEncoder: turns queued entries into Records (messages/journal.proto)
// on the writer thread. It keeps one Record per kind of entry and refills it
// each time, so encoding reuses the messages' strings instead of allocating.
#include <cstddef>
#include <string>

#include "journal.pb.h"
#include "journal/journal_entry.hpp"

namespace ember::journal {

class RecordEncoder {
 public:
  // The Record of e, valid until the next call.
  const Record& encode(const entry::Numbered& e);
  // e's Record as it sits in a file: its length prefix and bytes.
  static size_t delimited_size(const Record& r);
  // Appends r, length-delimited, to *out (delimited_size(r) bytes).
  static void append(const Record& r, std::string* out);

 private:
  // One Record per kind, its oneof set once and refilled ever after.
  struct Scratch {
    Record rpc, reply, adopt, started, shim_reply, shim_exit, timer;
  };
  struct Filler;
  Scratch scratch_;
};

}  // namespace ember::journal
