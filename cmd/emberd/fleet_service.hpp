#pragma once
// The "ember.v1.Fleet" ttrpc service on emberd's socket
// (messages/ember_fleet.proto): ListMembers, the front's view of each
// member. On an emberd that is not a fleet front it answers
// FAILED_PRECONDITION "emberd is not a fleet front (fleet.role: ...)".
namespace ember::ttrpc {
class Server;
}
namespace ember::actors {
class ControlPlane;
}

namespace ember {

// Registers the service on server; plane outlives server.
void serve_fleet(ttrpc::Server& server, actors::ControlPlane& plane);

}  // namespace ember
