#pragma once
// The "ember.v1.Journal" ttrpc service on emberd's socket
// (messages/ember_journal_service.proto): On, Off, Rotate, Status.
namespace ember::journal {
class JournalWriter;
}
namespace ember::ttrpc {
class Server;
}
namespace ember::config {
struct JournalSettings;
}

namespace ember {

// Registers the service on server. writer is null when the config has no
// journal.path: then Status answers configured=false and On, Off and Rotate
// FAILED_PRECONDITION. writer and settings outlive server.
void serve_journal(ttrpc::Server& server, journal::JournalWriter* writer,
                   const config::JournalSettings& settings);

}  // namespace ember
