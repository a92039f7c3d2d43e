#include "actors/middleman_on_loop.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/abstract_broker.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>

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

// Steps of the multiplexer's last turn, bounded: a socket that stays ready
// forever must not hold emberd's shutdown.
constexpr int kFinalSteps = 1000;

}  // namespace

struct MiddlemanOnLoop::State {
  default_multiplexer* mpx = nullptr;
  caf::actor basp;  // the middleman's BASP broker
  std::unique_ptr<io::FdPump> pump;
};

void drive_middleman_from_loop(caf::actor_system_config& cfg) {
  cfg.set("middleman.manual-multiplexing", true);
}

MiddlemanOnLoop::MiddlemanOnLoop(io::EventLoop& loop, caf::actor_system& sys,
                                 caf::actor_system_config& cfg)
    : loop_(loop), state_(std::make_unique<State>()) {
  // The multiplexer's thread id stays unset, so work handed to it from any
  // thread (the actors' messages to the BASP broker included) goes through its
  // pipe, which its epoll fd watches: nothing queued goes unnoticed.
  default_multiplexer* mpx = &static_cast<default_multiplexer&>(sys.middleman().backend());
  state_->mpx = mpx;
  state_->basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  state_->pump = std::make_unique<io::FdPump>(loop, mpx->*epoll_fd_member(),
                                              [mpx] { return mpx->try_run_once(); });
  // Read again only by the middleman's stop(): it then joins no thread and
  // drains nothing; the destructor below did its work on the loop.
  cfg.set("middleman.manual-multiplexing", false);
}

MiddlemanOnLoop::~MiddlemanOnLoop() {
  loop_.run_and_wait([st = state_.get()] {
    // What the middleman's stop() does for its brokers, on the multiplexer's
    // thread, then the steps that follow from it.
    auto* basp =
        static_cast<caf::io::abstract_broker*>(caf::actor_cast<caf::abstract_actor*>(st->basp));
    if (!basp->getf(caf::abstract_actor::is_terminated_flag)) {
      basp->context(st->mpx);
      basp->quit();
      basp->finalize();
    }
    for (int i = 0; i < kFinalSteps && st->mpx->try_run_once(); ++i) {
    }
    st->pump.reset();
  });
}

}  // namespace ember::actors
