#include "cmd/emberd/journal_service.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <string>

#include "config/config.hpp"
#include "ember_journal_service.pb.h"
#include "io/ttrpc/ttrpc.hpp"
#include "journal/journal_writer.hpp"
#include "messages/ember_journal_service.hpp"

namespace ember {
namespace {

v1::JournalStatus status_of(journal::JournalWriter* writer,
                            const config::JournalSettings& settings) {
  v1::JournalStatus out;
  out.set_configured(writer != nullptr);
  out.set_path(settings.path);
  out.set_max_bytes(settings.max_bytes);
  out.set_max_files(settings.max_files);
  if (writer == nullptr) return out;
  journal::WriterStats st = writer->stats();
  out.set_enabled(st.enabled);
  out.set_records_written(st.records_written);
  out.set_dropped(st.dropped);
  out.set_bytes(st.bytes);
  out.set_files(st.files);
  return out;
}

using Act = std::function<void(journal::JournalWriter&)>;

// One call: act (null for Status), then answer the journal's state.
void handle(const ttrpc::Request& req, const ttrpc::Responder& r, const char* method,
            journal::JournalWriter* writer, const config::JournalSettings& settings,
            const Act& act) {
  v1::JournalRequest in;
  if (!in.ParseFromString(req.payload)) {
    r.reply(Status::InvalidArgument(std::string("journal ") + method + ": undecodable request"));
    return;
  }
  if (writer == nullptr) {
    if (act) {
      r.reply(
          Status::FailedPrecondition("no journal configured: set journal.path in emberd's config"));
    } else {
      r.reply(Status::Ok(), status_of(nullptr, settings).SerializeAsString());
    }
    return;
  }
  if (act) act(*writer);
  // Answered by the writer thread once what was queued before is on disk:
  // the loop thread never waits for the journal.
  writer->when_written([writer, &settings, r] {
    r.reply(Status::Ok(), status_of(writer, settings).SerializeAsString());
  });
}

void add(ttrpc::Server& server, const char* method, journal::JournalWriter* writer,
         const config::JournalSettings& settings, Act act) {
  server.add_method(msg::kJournalService, method,
                    [=, &settings](ttrpc::Request req, ttrpc::Responder r) {
                      handle(req, r, method, writer, settings, act);
                    });
}

}  // namespace

void serve_journal(ttrpc::Server& server, journal::JournalWriter* writer,
                   const config::JournalSettings& settings) {
  add(server, msg::kJournalOn, writer, settings, [](journal::JournalWriter& w) {
    if (!w.enabled()) spdlog::info("journal {}: on", w.path());
    w.set_enabled(true);
  });
  add(server, msg::kJournalOff, writer, settings, [](journal::JournalWriter& w) {
    if (w.enabled()) spdlog::info("journal {}: off", w.path());
    w.set_enabled(false);
  });
  add(server, msg::kJournalRotate, writer, settings, [](journal::JournalWriter& w) {
    spdlog::info("journal {}: rotating", w.path());
    w.rotate();
  });
  add(server, msg::kJournalStatus, writer, settings, nullptr);
}

}  // namespace ember
