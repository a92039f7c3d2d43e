#include "actors/middleman_on_loop.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "actors/loop_coordinator.hpp"
#include "io/fd_pump.hpp"

namespace ember::actors {
namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;

// CAF 0.17 has no accessor for its multiplexer's epoll fd, which is what an
// outer loop must wait on to drive it. An explicit instantiation may name a
// private member ([temp.spec.general]/6), and the friend it defines hands out
// the member pointer; this is the one place that relies on CAF's layout.
using EpollFdMember = native_socket default_multiplexer::*;
EpollFdMember epoll_fd_member();
template <EpollFdMember M>
struct ExposeEpollFd {
  friend EpollFdMember epoll_fd_member() { return M; }
};
template struct ExposeEpollFd<&default_multiplexer::epollfd_>;

}  // namespace

void drive_middleman_from_loop(caf::actor_system_config& cfg) {
  cfg.set("middleman.manual-multiplexing", true);
}

void run_middleman_on_loop(io::EventLoop& loop, caf::actor_system& sys,
                           caf::actor_system_config& cfg) {
  // The multiplexer's thread id stays unset, so work handed to it from any
  // thread (the actors' messages to the BASP broker included) goes through its
  // pipe, which its epoll fd watches: nothing queued goes unnoticed.
  auto& mpx = static_cast<default_multiplexer&>(sys.middleman().backend());
  int epoll_fd = mpx.*epoll_fd_member();
  keep_until_actors_stop(
      sys, std::make_shared<io::FdPump>(loop, epoll_fd, [&mpx] { return mpx.try_run_once(); }));
  // Read again only by the middleman's stop(): it then leaves its last steps
  // to the pump, as it would to its own thread, instead of draining here.
  cfg.set("middleman.manual-multiplexing", false);
}

}  // namespace ember::actors
