// Loading a journal, `replay sim` and its divergence table.
#include <iomanip>

#include "journal/journal_reader.hpp"
#include "replay/quiet_logs.hpp"
#include "replay/replay.hpp"
#include "replay/run.hpp"

namespace ember::replay {

Status load_journal(const std::string& path, Journal* out) {
  journal::JournalReader reader;
  Status st = reader.open(path);
  if (!st.ok()) return st;
  out->header = reader.header();
  out->records.clear();
  for (;;) {
    journal::Record r;
    bool end = false;
    st = reader.next(&r, &end);
    if (!st.ok()) return st;
    if (end) return Status::Ok();
    out->records.push_back(std::move(r));
  }
}

SimResult simulate(const Journal& journal, const SimOptions& options) {
  QuietLogs quiet;
  Inputs inputs = index_inputs(journal);
  std::string trace;
  SimResult result;
  for (const journal::Record& r : journal.records)
    result.dropped += r.dropped_before();
  {
    Run run(journal, inputs, options.actors, options.trace ? &trace : nullptr, nullptr);
    run.sim(&result);
  }
  if (options.trace != nullptr) *options.trace << trace;
  return result;
}

void print_divergences(const SimResult& result, std::ostream& out) {
  if (result.dropped > 0)
    out << "warning: the recorder dropped " << result.dropped
        << " records (full queue); divergences after them may be the journal's\n";
  if (!result.divergences.empty()) {
    out << std::left << std::setw(8) << "SEQ" << std::setw(24) << "VM" << std::setw(14) << "METHOD"
        << std::setw(40) << "RECORDED"
        << "REPLAYED\n";
    for (const Divergence& d : result.divergences)
      out << std::setw(8) << d.seq << std::setw(24) << d.vm << std::setw(14) << d.method
          << std::setw(40) << d.recorded << d.replayed << "\n";
  }
  out << result.inputs << " inputs replayed, " << result.replies_checked << " replies checked, "
      << result.divergences.size() << " divergence" << (result.divergences.size() == 1 ? "" : "s")
      << "\n";
}

}  // namespace ember::replay
