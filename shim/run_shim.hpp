#pragma once
// The ember-shim program: checks its launch, writes shim-state.json and
// serves the containerd task API (fd 3, every call UNIMPLEMENTED) and
// fccontrol (fd 4) on one event loop on the calling thread until the VM is
// stopped or its VMM ends, publishing the VM's start and stop to containerd
// at TTRPC_ADDRESS (shim/event_publisher.hpp, docs/events.md).
#include "shim/vmm/vmm.hpp"

namespace ember::shim {

// Exit codes of run_shim.
inline constexpr int kExitOk = 0;         // stopped by StopVM, or the guest shut down
inline constexpr int kExitFailure = 1;    // the VMM failed, or a runtime error
inline constexpr int kExitBadLaunch = 2;  // bad arguments, environment, fds or config

// What run_shim does when the config names a backend with a program of its
// own (shim/backend_program.hpp).
enum class HandOff {
  to_backend_program,  // ember-shim: exec that program, which serves the VM
  none,                // that program itself: serve here
};

// Errors go to stderr. `factory` makes the VMM backend at CreateVM time;
// tests pass their own. The config is resolved before the launch is checked,
// so that a hand-off leaves the launch untouched.
int run_shim(int argc, char** argv, VmmFactory factory = default_factory(),
             HandOff hand_off = HandOff::to_backend_program);

}  // namespace ember::shim
