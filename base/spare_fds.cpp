#include "base/spare_fds.hpp"

#include <fcntl.h>

#include <array>
#include <mutex>

#include "base/unique_fd.hpp"

namespace ember {
namespace {

// Two: a VM directory and one level below it.
constexpr size_t kSpares = 2;

struct Spares {
  std::mutex mu;
  std::array<UniqueFd, kSpares> fds;
};

Spares& spares() {
  static Spares* s = new Spares;  // never destroyed: usable until exit
  return *s;
}

void fill(Spares& s) {
  for (auto& fd : s.fds)
    if (!fd) fd.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

}  // namespace

void reserve_spare_fds() {
  Spares& s = spares();
  std::lock_guard<std::mutex> lock(s.mu);
  fill(s);
}

Status with_spare_fds_released(const std::function<Status()>& fn) {
  Spares& s = spares();
  std::lock_guard<std::mutex> lock(s.mu);
  for (auto& fd : s.fds)
    fd.reset();
  Status result = fn();
  fill(s);
  return result;
}

}  // namespace ember
