#pragma once
// Writes small journals for the live replay tests: a Header, then Rpc and
// Reply records, each length-delimited (messages/journal.proto). Written here
// rather than with emberd's JournalWriter so the tests control every byte.
#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "journal.pb.h"

namespace ember::replay::live::test {

class TestJournal {
 public:
  TestJournal();

  // An Rpc record at `at` after the start; returns its rpc_id (from 1).
  uint64_t rpc(std::chrono::milliseconds at, const std::string& ns, const std::string& method,
               const std::string& payload,
               std::chrono::nanoseconds timeout = std::chrono::seconds(30));
  // The Reply record to rpc_id.
  void reply(std::chrono::milliseconds at, uint64_t rpc_id, Code code,
             const std::string& message = "");
  // Header and records as a file's bytes.
  const std::string& bytes() const { return bytes_; }
  // Size of the header with its length prefix: where the first record starts.
  uint64_t header_size() const { return header_size_; }
  bool write(const std::string& path) const;

 private:
  void append(const google::protobuf::MessageLite& message);
  void add(journal::Record& record, std::chrono::milliseconds at);

  std::string bytes_;
  uint64_t header_size_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t next_rpc_id_ = 1;
};

// Serialized fccontrol requests.
std::string create_vm(const std::string& id);
std::string get_vm_info(const std::string& id);
std::string set_vm_metadata(const std::string& id, const std::string& json);
std::string get_vm_metadata(const std::string& id);
std::string stop_vm(const std::string& id);

}  // namespace ember::replay::live::test
