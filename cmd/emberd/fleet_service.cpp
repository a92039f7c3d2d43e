#include "cmd/emberd/fleet_service.hpp"

#include <utility>
#include <vector>

#include "actors/control_plane.hpp"
#include "ember_fleet.pb.h"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/ember_fleet.hpp"
#include "messages/fleet_wire.hpp"

namespace ember {

void serve_fleet(ttrpc::Server& server, actors::ControlPlane& plane) {
  server.add_method(msg::kFleetService, msg::kFleetListMembers,
                    [&plane](ttrpc::Request req, ttrpc::Responder r) {
                      v1::ListMembersRequest in;
                      if (!in.ParseFromString(req.payload)) {
                        r.reply(Status::InvalidArgument("cannot decode " + in.GetTypeName()));
                        return;
                      }
                      plane.fleet_members([r](Status s, std::vector<msg::MemberStatus> members) {
                        if (s.ok())
                          r.reply(Status::Ok(), msg::encode_member_list(members));
                        else
                          r.reply(s);
                      });
                    });
}

}  // namespace ember
