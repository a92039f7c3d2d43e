#pragma once
// ShimHost: the production side of the effects seam (messages/vm_effects.hpp)
// for one VM. It owns the VM's directory, the shim's socket files, the shim
// process and the connection to it, over shimproc/ and io/.
//
// Threads: the supervisor calls in from a CAF worker; the steps that complete
// at once (mkdir, bind, spawn, connect) run there and never wait. The shim
// process lives on the I/O thread (its exit watch reaps it there), as do the
// output reader and every completion.
#include <memory>

#include "messages/vm_effects.hpp"

namespace ember::io {
class EventLoop;
}
namespace ember::config {
struct Config;
}

namespace ember::shimproc {

// Makes a ShimHost per VM. loop and cfg must outlive every host.
class ShimHostFactory final : public msg::EffectsFactory {
 public:
  // Reserves the spare fds that let a VM directory be removed at the fd
  // limit (base/spare_fds.hpp).
  ShimHostFactory(io::EventLoop& loop, const config::Config& cfg);
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey& key,
                                       std::shared_ptr<msg::VmEvents> events) override;

 private:
  io::EventLoop& loop_;
  const config::Config& cfg_;
};

}  // namespace ember::shimproc
