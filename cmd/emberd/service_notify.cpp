#include "cmd/emberd/service_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstring>

namespace ember {
namespace {

void notify(const char* state) {
  // unset_environment 0: STOPPING=1 needs NOTIFY_SOCKET after READY=1. The
  // shims inherit it too, harmlessly: they never notify, and systemd takes
  // notifications from the main pid only (NotifyAccess=main).
  const int rc = ::sd_notify(0, state);
  if (rc < 0) spdlog::warn("sd_notify {}: {}", state, std::strerror(-rc));
}

}  // namespace

void notify_service_ready() {
  notify("READY=1\nSTATUS=serving");
}

void notify_service_stopping() {
  notify("STOPPING=1\nSTATUS=shutting down");
}

}  // namespace ember
