#pragma once
// RecordEncoder: writes entries as Records of messages/journal.proto,
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
  // Appends the Record of (stamp, what) to *out: its length, then its bytes.
  static void append(const entry::Stamp& stamp, const entry::Any& what, std::string* out);
};

}  // namespace ember::journal
