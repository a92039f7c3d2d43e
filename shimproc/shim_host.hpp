#pragma once
// ShimHost: the production side of the effects seam (messages/vm_effects.hpp)
// for one VM. It owns the VM's directory, the shim's socket files, the shim
// process and the connection to it, over shimproc/ and io/.
//
// Threads: a host is made, called and destroyed on the I/O thread, where the
// actors run (actors/loop_coordinator.hpp). A launch's blocking steps (mkdir,
// bind, and the spawn, which waits until the shim has exec'd) run on the
// factory's LaunchWorkers; everything after them, the shim's exit watch, its
// output reader and every completion run on the I/O thread.
#include <memory>

#include "messages/vm_effects.hpp"
#include "shimproc/launch_workers.hpp"
#include "shimproc/tombstone_store.hpp"

namespace ember::io {
class EventLoop;
}
namespace ember::config {
struct Config;
}
namespace ember::metrics {
class Metrics;
}

namespace ember::shimproc {

// Makes a ShimHost per VM. loop and cfg must outlive every host; the factory
// too (its destructor finishes the launches still under way).
class ShimHostFactory final : public msg::EffectsFactory {
 public:
  // Reserves the spare fds that let a VM directory be removed at the fd
  // limit (base/spare_fds.hpp). With metrics (which must outlive the
  // factory), each launch's time to a connected shim is observed there.
  ShimHostFactory(io::EventLoop& loop, const config::Config& cfg,
                  metrics::Metrics* metrics = nullptr);
  std::unique_ptr<msg::VmEffects> make(const msg::VmKey& key,
                                       std::shared_ptr<msg::VmEvents> events) override;

 private:
  io::EventLoop& loop_;
  const config::Config& cfg_;
  metrics::Metrics* metrics_;
  LaunchWorkers workers_;
  TombstoneStore tombstones_;
};

}  // namespace ember::shimproc
