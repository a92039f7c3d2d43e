#pragma once
// The "ember.v1.Tombstones" ttrpc service on emberd's socket
// (messages/ember_tombstone_service.proto): Get.
#include <string>

namespace ember::ttrpc {
class Server;
}

namespace ember {

// Registers the service on server; it reads the tombstones under dir.
void serve_tombstones(ttrpc::Server& server, const std::string& dir);

}  // namespace ember
