// default_factory: the backend named by config.vmm.backend, of those
// ember-shim serves itself (firecracker runs in ember-shim-firecracker).
#include "config/config.hpp"
#include "shim/vmm/hollow/hollow_vmm.hpp"
#include "shim/vmm/qemu/qemu_vmm.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

VmmFactory default_factory() {
  return [](const VmmContext& ctx, std::unique_ptr<Vmm>* out) -> Status {
    switch (ctx.config.vmm.backend) {
      case config::Backend::hollow:
        *out = std::make_unique<hollow::HollowVmm>(ctx.loop, ctx.vm_id);
        return Status::Ok();
      case config::Backend::qemu:
        *out = std::make_unique<qemu::QemuVmm>(ctx.loop, ctx.config, ctx.vm_id, ctx.vm_dir);
        return Status::Ok();
      case config::Backend::firecracker:
        break;  // ember-shim hands it off before it serves (backend_program.hpp)
    }
    return Status::Unimplemented(std::string("vmm backend ") +
                                 config::to_string(ctx.config.vmm.backend) +
                                 " is not served by this program");
  };
}

}  // namespace ember::shim
