#pragma once
// emberd: loads the config, serves fccontrol on its socket with the actor
// control plane, and exits on SIGTERM/SIGINT leaving shims running.
namespace ember {

int run_emberd(int argc, char** argv);

}  // namespace ember
