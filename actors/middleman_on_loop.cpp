#include "actors/middleman_on_loop.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include <thread>

#include "actors/loop_coordinator.hpp"
#include "io/event_loop.hpp"
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
  auto& mpx = static_cast<default_multiplexer&>(sys.middleman().backend());
  int epoll_fd = mpx.*epoll_fd_member();
  auto pump = std::make_shared<io::FdPump>(loop, epoll_fd, [&mpx] { return mpx.try_run_once(); });
  // The loop thread becomes the multiplexer's thread, as CAF's own would be:
  // what the actors hand the BASP broker from there is queued in the
  // multiplexer without a write to its pipe, and run by the pump after each
  // batch of actors; other threads still go through the pipe, which the
  // multiplexer's epoll fd watches. Set on the loop thread once it runs (emberd
  // starts it after this); until then every hand-off takes the pipe. A thread
  // reading the id meanwhile sees either value, and both send it to the pipe.
  loop.post([&mpx] { mpx.thread_id(std::this_thread::get_id()); });
  after_each_drain(sys, [weak = std::weak_ptr<io::FdPump>(pump)] {
    if (auto p = weak.lock()) p->run_now();
  });
  keep_until_actors_stop(sys, std::move(pump));
  // Read again only by the middleman's stop(): it then leaves its last steps
  // to the pump, as it would to its own thread, instead of draining here.
  cfg.set("middleman.manual-multiplexing", false);
}

}  // namespace ember::actors
