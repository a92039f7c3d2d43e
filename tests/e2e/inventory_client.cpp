#include "tests/e2e/inventory_client.hpp"

#include "messages/ember_inventory.hpp"

namespace ember::e2e {

Status list_vms(FcClient& client, const std::string& ns, bool all, v1::ListVMsResponse* out) {
  v1::ListVMsRequest req;
  req.set_allnamespaces(all);
  ttrpc::CallOptions opts;
  opts.timeout = std::chrono::seconds(30);
  if (!ns.empty()) opts.metadata = {{ttrpc::kNamespaceKey, ns}};
  auto r = client.raw().call_sync(msg::kInventoryService, msg::kInventoryListVMs,
                                  req.SerializeAsString(), opts);
  if (r.status.ok() && !out->ParseFromString(r.payload))
    return Status::Internal("undecodable ListVMsResponse");
  return r.status;
}

std::optional<v1::VMSummary> find_vm(const v1::ListVMsResponse& list, const std::string& id) {
  for (const auto& vm : list.vms())
    if (vm.vmid() == id) return vm;
  return std::nullopt;
}

EventStream::EventStream(FcClient& client, const std::string& ns, bool all) {
  v1::WatchRequest req;
  req.set_allnamespaces(all);
  ttrpc::CallOptions opts;
  if (!ns.empty()) opts.metadata = {{ttrpc::kNamespaceKey, ns}};
  client.raw().stream(
      msg::kInventoryService, msg::kInventoryWatch, req.SerializeAsString(), opts,
      [s = s_](std::string data) {
        v1::VMEvent e;
        if (!e.ParseFromString(data)) return;
        std::lock_guard<std::mutex> lock(s->mu);
        s->events.push_back(std::move(e));
        s->cv.notify_all();
      },
      [s = s_](ttrpc::CallResult r) {
        std::lock_guard<std::mutex> lock(s->mu);
        s->end = r.status;
        s->cv.notify_all();
      });
}

std::optional<v1::VMEvent> EventStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->cv.wait_for(lock, timeout, [&] { return !s_->events.empty() || s_->end.has_value(); });
  if (s_->events.empty()) return std::nullopt;
  v1::VMEvent e = std::move(s_->events.front());
  s_->events.pop_front();
  return e;
}

std::optional<v1::VMEvent> EventStream::until(const std::string& type, const std::string& id,
                                              std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto e = next(left);
    if (!e) return std::nullopt;
    if (e->type() == type && e->vm().vmid() == id) return e;
  }
}

std::optional<Status> EventStream::ended() {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->end;
}

}  // namespace ember::e2e
