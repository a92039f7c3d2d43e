#include "bench/lib/backend_probe.hpp"

#include <future>
#include <memory>
#include <utility>

#include "bench/lib/target.hpp"
#include "ember_inventory.pb.h"
#include "io/event_loop.hpp"
#include "io/ttrpc/ttrpc.hpp"
#include "messages/ember_inventory.hpp"

namespace ember::bench {
namespace {

// The Backend of VM id in a ListVMs reply.
Status backend_in(const ttrpc::CallResult& r, const std::string& id, std::string* backend) {
  if (!r.status.ok()) return Status(r.status.code(), "ListVMs: " + r.status.message());
  v1::ListVMsResponse list;
  if (!list.ParseFromString(r.payload)) return Status::Internal("ListVMs: undecodable reply");
  for (const auto& vm : list.vms()) {
    if (vm.vmid() != id) continue;
    *backend = vm.backend();
    return Status::Ok();
  }
  return Status::Internal("ListVMs does not list the probe VM " + id);
}

}  // namespace

Status probe_backend(Target& target, const std::string& id_prefix, const VmTemplate& vm,
                     std::string* backend) {
  // Here, not on the loop: ~Fleet stops what is left and waits for it. The
  // loop's last use of it is the answer below, which this thread waits for.
  Fleet probe(target, id_prefix, vm, 1);
  Fleet* fleet = &probe;
  const std::string id = fleet->id(0);
  auto answered = std::make_shared<std::promise<Status>>();
  target.loop().post([&target, fleet, id, answered, backend] {
    fleet->create(0, [&target, fleet, id, answered, backend](const Status& s,
                                                             std::chrono::nanoseconds) {
      if (!s.ok()) return answered->set_value(s);
      ttrpc::CallOptions opts;
      opts.timeout = target.call_timeout();
      opts.metadata.emplace_back(ttrpc::kNamespaceKey, target.ns());
      target.emberd().call(
          msg::kInventoryService, msg::kInventoryListVMs, v1::ListVMsRequest().SerializeAsString(),
          std::move(opts), [fleet, id, answered, backend](ttrpc::CallResult r) {
            const Status listed = backend_in(r, id, backend);
            fleet->stop(0, [answered, listed](const Status& stopped, std::chrono::nanoseconds) {
              answered->set_value(!listed.ok() ? listed : stopped);
            });
          });
    });
  });
  Status s = answered->get_future().get();
  return s.ok() ? s : Status(s.code(), "probing emberd's backend: " + s.message());
}

Status require_hollow(Target& target, const std::string& id_prefix, const VmTemplate& vm,
                      const char* scenario) {
  std::string backend;
  if (Status s = probe_backend(target, id_prefix + "probe", vm, &backend); !s.ok()) return s;
  if (backend == "hollow") return Status::Ok();
  return Status::FailedPrecondition(
      std::string("bench ") + scenario +
      " times the control plane and needs emberd's hollow backend (vmm.backend: hollow); this "
      "emberd runs " +
      backend + " VMs, whose guests take seconds to boot: use `emberctl bench boot` for them");
}

}  // namespace ember::bench
