#include "shimproc/recovery_gate.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/unique_fd.hpp"
#include "io/unix_socket.hpp"

namespace ember::shimproc {

void pass_recovery_gate(const std::string& vm_dir) {
  const char* gate = std::getenv(kRecoveryGateEnv);
  if (gate == nullptr || *gate == '\0') return;
  UniqueFd fd;
  if (Status s = io::connect_unix(gate, &fd); !s.ok()) {
    spdlog::warn("recovery: test gate {}: {}", gate, s.message());
    return;
  }
  spdlog::info("recovery: waiting at test gate {} before removing {}", gate, vm_dir);
  const std::string line = vm_dir + "\n";
  if (::write(fd.get(), line.data(), line.size()) < 0) return;
  char buf[64];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
  }
}

}  // namespace ember::shimproc
