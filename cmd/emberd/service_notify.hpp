#pragma once
// Tells a service manager (systemd, Type=notify) where emberd is in its life,
// through sd_notify(3). Without NOTIFY_SOCKET in the environment (any start
// not by systemd) each call does nothing.
namespace ember {

// emberd serves: recovery is done and its socket accepts calls.
void notify_service_ready();
// emberd received SIGTERM/SIGINT and is shutting down.
void notify_service_stopping();

}  // namespace ember
