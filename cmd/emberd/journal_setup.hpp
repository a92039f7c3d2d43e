#pragma once
// emberd's journal from its config: the header (version, config digest, start
// times, the settings replay needs) and the writer. No journal.path: none.
#include <memory>

#include "base/status.hpp"
#include "journal.pb.h"

namespace ember::config {
struct Config;
}
namespace ember::journal {
class JournalWriter;
}

namespace ember {

// The header of every file of this emberd's journal, taken now.
journal::Header journal_header(const config::Config& cfg);
// *out stays null when cfg has no journal.path. Errors name the path.
Status start_journal(const config::Config& cfg, std::unique_ptr<journal::JournalWriter>* out);

}  // namespace ember
