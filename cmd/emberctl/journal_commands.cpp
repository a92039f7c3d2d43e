// journal on | off | rotate | status
#include "cmd/emberctl/journal_commands.hpp"

#include <CLI/CLI.hpp>

#include "ember_journal_service.pb.h"
#include "messages/ember_journal_service.hpp"

namespace ember::ctl {
namespace {

nlohmann::ordered_json fields_of(const v1::JournalStatus& s) {
  return {{"Configured", s.configured()},
          {"Enabled", s.enabled()},
          {"Path", s.path()},
          {"RecordsWritten", s.records_written()},
          {"Dropped", s.dropped()},
          {"Bytes", s.bytes()},
          {"Files", s.files()},
          {"MaxBytes", s.max_bytes()},
          {"MaxFiles", s.max_files()}};
}

void add_method(CLI::App& journal, Action* chosen, const char* name, const char* method,
                const char* description) {
  CLI::App* sub = journal.add_subcommand(name, description);
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      v1::JournalStatus status;
      Status st = inv.call_service(msg::kJournalService, method, v1::JournalRequest(), &status,
                                   kDefaultCallTimeout);
      if (st.ok()) inv.output().record(fields_of(status));
      return st;
    };
  });
}

}  // namespace

void add_journal_commands(CLI::App& root, Action* chosen) {
  CLI::App* journal =
      root.add_subcommand("journal", "Switch emberd's journal (journal.path in its config)");
  journal->require_subcommand(1);
  add_method(*journal, chosen, "on", msg::kJournalOn,
             "Start recording (again: a new file starts after a pause)");
  add_method(*journal, chosen, "off", msg::kJournalOff, "Stop recording");
  add_method(*journal, chosen, "rotate", msg::kJournalRotate,
             "Start a new journal file (path -> path.1, ...)");
  add_method(*journal, chosen, "status", msg::kJournalStatus,
             "Show whether the journal records, and its counts");
}

}  // namespace ember::ctl
