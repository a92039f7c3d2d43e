#include "tests/journal/journal_test_util.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "journal/journal_reader.hpp"
#include "journal/journal_writer.hpp"

namespace ember::journal::test {

Header test_header() {
  Header h;
  h.set_format_version(1);
  h.set_ember_version("0.1.0-test");
  h.set_config_digest(std::string(64, 'a'));
  h.set_start_unix_nanos(1);
  h.set_start_mono_nanos(mono_nanos_now());
  h.mutable_settings()->set_max_vms(7);
  return h;
}

entry::Rpc rpc_entry(uint64_t rpc_id, size_t payload_bytes) {
  entry::Rpc e;
  e.rpc_id = rpc_id;
  e.method = msg::Method::get_vm_info;
  static const std::string kPayloads(1 << 20, 'x');  // entries only view their bytes
  e.payload = std::string_view(kPayloads).substr(0, payload_bytes);
  return e;
}

Record rpc_record(uint64_t rpc_id, size_t payload_bytes) {
  Record r;
  r.mutable_rpc()->set_rpc_id(rpc_id);
  r.mutable_rpc()->set_method("GetVMInfo");
  r.mutable_rpc()->set_payload(std::string(payload_bytes, 'x'));
  return r;
}

ReadBack read_journal(const std::string& path) {
  ReadBack out;
  JournalReader reader;
  out.status = reader.open(path);
  if (!out.status.ok()) return out;
  out.header = reader.header();
  for (;;) {
    Record r;
    bool end = false;
    out.status = reader.next(&r, &end);
    if (!out.status.ok() || end) return out;
    out.records.push_back(std::move(r));
  }
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace ember::journal::test
