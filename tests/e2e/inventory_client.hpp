#pragma once
// emberd's inventory service (ember.v1.Inventory) as the e2e tests use it:
// ListVMs, and a Watch stream whose events a test takes one by one.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ember_inventory.pb.h"
#include "tests/support/emberd_harness.hpp"

namespace ember::e2e {

// ListVMs of ns ("" with all = every namespace); the status if it failed.
Status list_vms(FcClient& client, const std::string& ns, bool all, v1::ListVMsResponse* out);
// The VM id of the listing, or nullopt.
std::optional<v1::VMSummary> find_vm(const v1::ListVMsResponse& list, const std::string& id);

// A Watch of ns (all: every namespace), started at construction.
class EventStream {
 public:
  EventStream(FcClient& client, const std::string& ns, bool all = false);
  // The next event, waiting at most timeout; nullopt when none came or the
  // stream ended (see ended()).
  std::optional<v1::VMEvent> next(std::chrono::milliseconds timeout);
  // Skips events until one of type for VM id; nullopt if none within timeout.
  std::optional<v1::VMEvent> until(const std::string& type, const std::string& id,
                                   std::chrono::milliseconds timeout);
  std::optional<Status> ended();

 private:
  // Shared with the stream's callbacks, which may outlive this object.
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<v1::VMEvent> events;
    std::optional<Status> end;
  };
  std::shared_ptr<Shared> s_ = std::make_shared<Shared>();
};

}  // namespace ember::e2e
