#include "shimproc/shim_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"

namespace ember::shimproc {

std::string to_json(const ShimState& state) {
  nlohmann::json j = {
      {"pid", state.pid},
      {"start_time", state.start_time},
      {"namespace", state.ns},
      {"id", state.id},
      {"address", state.address},
      {"shim_socket", state.shim_socket},
      {"fccontrol_socket", state.fccontrol_socket},
      {"backend", state.backend},
  };
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Status from_json(const std::string& text, ShimState* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("shim state is not a JSON object");
  ShimState s;
  try {
    s.pid = j.at("pid").get<pid_t>();
    s.start_time = j.at("start_time").get<unsigned long long>();
    s.ns = j.at("namespace").get<std::string>();
    s.id = j.at("id").get<std::string>();
    s.address = j.at("address").get<std::string>();
    const char* shim_socket_key = j.contains("shim_socket") ? "shim_socket" : "task_socket";
    s.shim_socket = j.at(shim_socket_key).get<std::string>();
    s.fccontrol_socket = j.at("fccontrol_socket").get<std::string>();
    s.backend = j.at("backend").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("shim state: ") + e.what());
  }
  *out = std::move(s);
  return Status::Ok();
}

ShimStateFile::~ShimStateFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status ShimStateFile::write(const std::string& path, const ShimState& state) {
  const std::string tmp = path + ".tmp";
  const std::string text = to_json(state);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return Status::FromErrno("create " + tmp, errno);
  // Runtime state: rename makes it atomic for readers; no fsync, as a crash
  // of the machine ends the shim too.
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return Status::FromErrno("write " + tmp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno("rename " + tmp + " to " + path, err);
  }
  path_ = path;
  return Status::Ok();
}

}  // namespace ember::shimproc
