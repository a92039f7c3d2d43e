// slow-create-shim: ember-shim with a hollow backend whose CreateVM takes
// 2 s, so the bounds a launcher puts on a create can be tested.
#include <memory>

#include "io/event_loop.hpp"
#include "shim/run_shim.hpp"
#include "shim/vmm/hollow/hollow_vmm.hpp"

namespace {

constexpr long kCreateMs = 2000;

class SlowCreateVmm : public ember::shim::hollow::HollowVmm {
 public:
  SlowCreateVmm(ember::io::EventLoop& loop, std::string vm_id)
      : HollowVmm(loop, std::move(vm_id)), loop_(loop) {}
  ~SlowCreateVmm() override {
    if (pending_ != 0) loop_.cancel_watch(pending_);
  }
  void create(const ember::shim::VmSpec& spec, Done done) override {
    pending_ = loop_.after(kCreateMs, [this, spec, done = std::move(done)]() mutable {
      pending_ = 0;
      HollowVmm::create(spec, std::move(done));
    });
  }

 private:
  ember::io::EventLoop& loop_;
  ember::io::EventLoop::WatchId pending_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  auto factory = [](const ember::shim::VmmContext& ctx,
                    std::unique_ptr<ember::shim::Vmm>* out) -> ember::Status {
    *out = std::make_unique<SlowCreateVmm>(ctx.loop, ctx.vm_id);
    return ember::Status::Ok();
  };
  return ember::shim::run_shim(argc, argv, factory);
}
