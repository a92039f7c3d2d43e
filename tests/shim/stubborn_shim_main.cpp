// stubborn-shim: ember-shim with a hollow backend that accepts StopVM but never
// finishes it, so a launcher's kill-at-timeout path can be tested.
#include <memory>
#include <vector>

#include "shim/run_shim.hpp"
#include "shim/vmm/hollow/hollow_vmm.hpp"

namespace {

class StubbornVmm : public ember::shim::hollow::HollowVmm {
 public:
  using HollowVmm::HollowVmm;
  void stop(std::chrono::seconds, Done done) override {
    ignored_.push_back(std::move(done));  // kept: the StopVM stays unanswered
  }

 private:
  std::vector<Done> ignored_;
};

}  // namespace

int main(int argc, char** argv) {
  auto factory = [](const ember::shim::VmmContext& ctx,
                    std::unique_ptr<ember::shim::Vmm>* out) -> ember::Status {
    *out = std::make_unique<StubbornVmm>(ctx.loop, ctx.vm_id);
    return ember::Status::Ok();
  };
  return ember::shim::run_shim(argc, argv, factory);
}
