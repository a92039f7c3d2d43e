#pragma once
// Helpers shared by the journal tests: a scratch directory, a header, and a
// whole journal file read back with JournalReader.
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "journal.pb.h"
#include "journal/journal_entry.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::journal::test {

using ScratchDir = testsupport::TempTree;

Header test_header();

// An Rpc entry (GetVMInfo) whose payload is `payload_bytes` bytes of 'x'.
entry::Rpc rpc_entry(uint64_t rpc_id, size_t payload_bytes = 10);
// The same as a Record.
Record rpc_record(uint64_t rpc_id, size_t payload_bytes = 10);

struct ReadBack {
  Status status;  // of open() or of the first failing next()
  Header header;
  std::vector<Record> records;
};
ReadBack read_journal(const std::string& path);

uint64_t file_size(const std::string& path);

}  // namespace ember::journal::test
