#pragma once
// RecordEncoder: writes queued entries as Records of messages/journal.proto,
// length-delimited, straight from the entries' fields (protobuf's wire format
// by hand: no message objects, no copy but the one into the output). Fields
// at their default value are left out, as proto3 does. The tests read every
// kind of record back with JournalReader, which parses with protobuf.
#include <cstddef>
#include <string>

#include "journal/journal_entry.hpp"

namespace ember::journal {

class RecordEncoder {
 public:
  // Bytes e takes in a file: its length prefix and the Record.
  static size_t delimited_size(const entry::Numbered& e);
  // Appends e (delimited_size(e) bytes) to *out.
  static void append(const entry::Numbered& e, std::string* out);
};

}  // namespace ember::journal
