#pragma once
// JournalFiles: the files of one journal on disk. The current file is `path`;
// rotation renames it to path.1 (path.1 to path.2, ...), drops what would be
// path.<max_files>, and starts a new `path` with the header, whose file_index
// counts up. Each file stays within max_bytes, so the journal stays within
// max_bytes x max_files. Used by the writer thread only.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "base/unique_fd.hpp"
#include "journal.pb.h"

namespace ember::journal {

// A message as it sits in a journal file: varint length, then the bytes.
void append_delimited(const google::protobuf::MessageLite& message, std::string* out);

class JournalFiles {
 public:
  JournalFiles(std::string path, uint64_t max_bytes, uint32_t max_files, Header header);

  // Moves a journal left by an earlier run aside (as a rotation would) and
  // starts the first file. Errors name the path.
  Status open();
  // Appends whole records (already delimited). A partial write is retried;
  // errors name the path.
  Status write(std::string_view records);
  // Starts the next file (see above). Errors name the path.
  Status rotate();

  // Bytes in the current file, header included.
  uint64_t size() const { return size_; }
  // Record bytes that still fit in the current file.
  uint64_t room() const { return max_bytes_ > size_ ? max_bytes_ - size_ : 0; }
  // Record bytes that surely fit in a fresh file (after its header).
  // Computes; callers on a hot loop keep the value (it changes on rotate()).
  uint64_t room_in_new_file() const;
  uint32_t file_index() const { return header_.file_index(); }
  const std::string& path() const { return path_; }

 private:
  Status shift_old_files();
  Status start_file();
  std::string numbered(uint32_t n) const { return path_ + "." + std::to_string(n); }

  std::string path_;
  uint64_t max_bytes_;
  uint32_t max_files_;
  Header header_;  // of the current file
  UniqueFd fd_;    // the current file, open for append
  uint64_t size_ = 0;
};

}  // namespace ember::journal
