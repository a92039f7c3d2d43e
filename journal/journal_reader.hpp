#pragma once
// JournalReader: reads a journal file (messages/journal.proto): the header,
// then one record at a time. A truncated or corrupt record ends the reading
// with a Status that names the byte offset where that record starts.
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.hpp"
#include "journal.pb.h"

namespace ember::journal {

class JournalReader {
 public:
  JournalReader();
  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Opens path and reads its header. NOT_FOUND/PERMISSION_DENIED naming the
  // path; INVALID_ARGUMENT "<path>: not a journal (...)" for a bad header or
  // an unknown format_version.
  Status open(const std::string& path);
  const Header& header() const { return header_; }

  // The next record into *out. OK with *end = false: a record. OK with *end =
  // true: the file ended cleanly after the last record. Otherwise
  // DATA_LOSS-like INVALID_ARGUMENT "<path>: truncated record at offset N" or
  // "<path>: corrupt record at offset N (...)"; reading stops there.
  Status next(Record* out, bool* end);
  // Byte offset of the next record to read.
  uint64_t offset() const { return offset_; }

 private:
  struct File;
  std::unique_ptr<File> file_;
  std::string path_;
  Header header_;
  uint64_t offset_ = 0;
};

}  // namespace ember::journal
