#pragma once
// How emberd launches a VM's shim, and where the shim's output goes.
#include <functional>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"
#include "shimproc/shim_process.hpp"

namespace ember::io {
class EventLoop;
class LineReader;
}  // namespace ember::io
namespace ember::config {
struct Config;
}

namespace ember::shimproc {

// The launch contract for ember-shim: containerd-style arguments, the config
// file emberd runs with, the VM dir as cwd, the two listening sockets, and
// SIGKILL as parent-death signal (the shim clears it once its state file is
// written). Spawn it from a thread that lives as long as emberd.
ShimLaunch make_shim_launch(const config::Config& cfg, const std::string& ns, const std::string& id,
                            const std::string& vm_dir, UniqueFd shim_socket,
                            UniqueFd fccontrol_socket);

// Logs each line the shim writes to stdout/stderr, tagged "shim <tag>: ",
// at the level ember-shim gave it (shim_log_level.hpp), on the I/O thread
// until the pipe's EOF, and hands the status of its start-failure line
// (launch_contract.hpp) to on_start_failure (optional). The caller owns the
// reader and must destroy it on the loop thread (io/line_reader.hpp).
std::shared_ptr<io::LineReader> forward_shim_output(
    io::EventLoop& loop, UniqueFd output, const std::string& tag,
    std::function<void(Status)> on_start_failure = nullptr);

}  // namespace ember::shimproc
