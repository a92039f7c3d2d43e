#pragma once
// The "ember.v1.Inventory" ttrpc service on emberd's socket
// (messages/ember_inventory.proto): ListVMs, and Watch, a server stream of
// every VM change. The VMs are the inventory actor's (actors/inventory.cpp).
namespace ember::ttrpc {
class Server;
}
namespace ember::actors {
class ControlPlane;
}

namespace ember {

// Registers the service on server; plane outlives server.
void serve_inventory(ttrpc::Server& server, actors::ControlPlane& plane);

}  // namespace ember
