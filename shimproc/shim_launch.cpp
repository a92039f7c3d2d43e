#include "shimproc/shim_launch.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "io/line_reader.hpp"
#include "shimproc/launch_contract.hpp"
#include "shimproc/launch_env.hpp"
#include "shimproc/shim_log_level.hpp"

namespace ember::shimproc {

ShimLaunch make_shim_launch(const config::Config& cfg, const std::string& ns, const std::string& id,
                            const std::string& vm_dir, UniqueFd shim_socket,
                            UniqueFd fccontrol_socket) {
  ShimLaunch l;
  l.binary = cfg.shim_binary;
  l.args = shim_arguments(ns, id, cfg.containerd_address, cfg.source);
  l.vm_id = id;
  l.containerd_address = cfg.containerd_address;
  l.cwd = vm_dir;
  l.shim_socket = std::move(shim_socket);
  l.fccontrol_socket = std::move(fccontrol_socket);
  // Until the shim has written its state file, nothing on disk names its
  // process: if emberd died then, the next one could neither adopt nor kill
  // it. So it dies with emberd (the spawning thread is emberd's I/O thread)
  // until it clears the signal, right after that write (shim/run_shim.cpp).
  l.parent_death_signal = SIGKILL;
  return l;
}

std::shared_ptr<io::LineReader> forward_shim_output(io::EventLoop& loop, UniqueFd output,
                                                    const std::string& tag,
                                                    std::function<void(Status)> on_start_failure) {
  if (!output.valid()) return nullptr;
  return std::make_shared<io::LineReader>(
      loop, std::move(output), [tag, on_start_failure](std::string_view line) {
        spdlog::log(shim_line_level(line), "shim {}: {}", tag, line);
        Status why;
        if (on_start_failure && parse_start_failure(line, &why)) on_start_failure(std::move(why));
      });
}

}  // namespace ember::shimproc
