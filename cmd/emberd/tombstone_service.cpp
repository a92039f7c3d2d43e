#include "cmd/emberd/tombstone_service.hpp"

#include <vector>

#include "ember_tombstone_service.pb.h"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/ember_tombstone_service.hpp"
#include "shimproc/tombstone_store.hpp"

namespace ember {

void serve_tombstones(ttrpc::Server& server, const std::string& dir) {
  // A few small files, read on the loop thread: bounded by
  // tombstones.max_per_namespace and the console tail's size.
  server.add_method(
      msg::kTombstoneService, msg::kTombstoneGet, [dir](ttrpc::Request req, ttrpc::Responder r) {
        v1::TombstoneRequest in;
        if (!in.ParseFromString(req.payload)) {
          r.reply(Status::InvalidArgument("tombstone Get: undecodable request"));
          return;
        }
        std::vector<std::string> records;
        Status s =
            shimproc::TombstoneStore::read(dir, in.namespace_(), in.vm_id(), in.all(), &records);
        if (!s.ok()) {
          r.reply(s);
          return;
        }
        v1::TombstoneResponse out;
        for (auto& text : records)
          out.add_records(std::move(text));
        r.reply(Status::Ok(), out.SerializeAsString());
      });
}

}  // namespace ember
