#include "cmd/emberd/journal_setup.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/sha256.hpp"
#include "config/config.hpp"
#include "journal/journal_writer.hpp"

namespace ember {

journal::Header journal_header(const config::Config& cfg) {
  journal::Header h;
  h.set_format_version(1);
  h.set_ember_version(EMBER_VERSION);
  h.set_config_digest(sha256_hex(config::canonical_dump(cfg)));
  h.set_start_unix_nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
  h.set_start_mono_nanos(journal::mono_nanos_now());
  h.set_steps(true);  // the actors report their steps (RecordingEffectsFactory)
  journal::Settings* s = h.mutable_settings();
  s->set_max_vms(cfg.limits.max_vms);
  s->set_max_concurrent_creates(cfg.limits.max_concurrent_creates);
  s->set_stop_vm_seconds(cfg.timeouts.stop_vm_seconds);
  s->set_create_vm_seconds(cfg.timeouts.create_vm_seconds);
  s->set_call_seconds(cfg.timeouts.call_seconds);
  h.set_file_index(0);
  return h;
}

Status start_journal(const config::Config& cfg, std::unique_ptr<journal::JournalWriter>* out) {
  out->reset();
  if (cfg.journal.path.empty()) return Status::Ok();
  journal::WriterOptions o;
  o.path = cfg.journal.path;
  o.max_bytes = cfg.journal.max_bytes;
  o.max_files = cfg.journal.max_files;
  Status s = journal::JournalWriter::start(o, journal_header(cfg), out);
  if (s.ok())
    spdlog::info("journal: recording to {} (max {} bytes x {} files)", o.path, o.max_bytes,
                 o.max_files);
  return s;
}

}  // namespace ember
