#include "cmd/emberd/inventory_service.hpp"

#include <chrono>
#include <string>

#include "actors/control_plane.hpp"
#include "base/ids.hpp"
#include "ember_inventory.pb.h"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/ember_inventory.hpp"
#include "messages/vm_inventory_wire.hpp"

namespace ember {
namespace {

int64_t unix_nano_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The namespace a call without AllNamespaces selects: its ttrpc metadata's,
// required and valid, as for every fccontrol call.
Status namespace_of(const ttrpc::Request& req, std::string* ns) {
  *ns = req.metadata_value(ttrpc::kNamespaceKey);
  if (ns->empty())
    return Status::FailedPrecondition("namespace is required: set ttrpc metadata " +
                                      std::string(ttrpc::kNamespaceKey) + " or AllNamespaces");
  return validate_identifier(*ns, "namespace");
}

// Decodes the request (Req has AllNamespaces) and its namespace.
template <class Req>
Status scope_of(const ttrpc::Request& req, std::string* ns, bool* all) {
  Req in;
  if (!in.ParseFromString(req.payload))
    return Status::InvalidArgument("cannot decode " + in.GetTypeName());
  *all = in.allnamespaces();
  return *all ? Status::Ok() : namespace_of(req, ns);
}

void list_vms(actors::ControlPlane& plane, const ttrpc::Request& req, ttrpc::Responder r) {
  msg::InventoryQuery q;
  if (Status s = scope_of<v1::ListVMsRequest>(req, &q.ns, &q.all); !s.ok()) {
    r.reply(s);
    return;
  }
  q.reply = [r](std::vector<msg::VmSummary> vms) {
    r.reply(Status::Ok(), msg::encode_vm_list(vms));
  };
  plane.list_vms(std::move(q));
}

void watch(actors::ControlPlane& plane, const ttrpc::Request& req, ttrpc::Responder r) {
  if (!req.streaming()) {
    r.reply(Status::FailedPrecondition("ember.v1.Inventory/Watch is a stream: call it as one"));
    return;
  }
  msg::InventoryWatch w;
  if (Status s = scope_of<v1::WatchRequest>(req, &w.ns, &w.all); !s.ok()) {
    r.reply(s);
    return;
  }
  // Stamped as it leaves: the actors read no clock of their own.
  w.deliver = [r](const msg::VmChange& c) {
    return r.send_data(msg::encode_vm_change(c, unix_nano_now()));
  };
  plane.watch_vms(std::move(w));
}

}  // namespace

void serve_inventory(ttrpc::Server& server, actors::ControlPlane& plane) {
  server.add_method(
      msg::kInventoryService, msg::kInventoryListVMs,
      [&plane](ttrpc::Request req, ttrpc::Responder r) { list_vms(plane, req, std::move(r)); });
  server.add_method(
      msg::kInventoryService, msg::kInventoryWatch,
      [&plane](ttrpc::Request req, ttrpc::Responder r) { watch(plane, req, std::move(r)); });
}

}  // namespace ember
