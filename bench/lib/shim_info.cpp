#include "bench/lib/shim_info.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "bench/lib/proc.hpp"

namespace ember::bench {

Status read_shim_info(const std::string& vm_dir, ShimInfo* out) {
  const std::string path = vm_dir + "/shim-state.json";
  std::string text;
  Status s = read_text_file(path, &text);
  if (!s.ok()) return s;
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument(path + ": not JSON");
  const auto pid = j.find("pid");
  if (pid == j.end() || !pid->is_number_integer() || pid->get<long long>() <= 0) {
    return Status::InvalidArgument(path + ": no positive integer \"pid\"");
  }
  ShimInfo info;
  info.pid = static_cast<pid_t>(pid->get<long long>());
  const auto sock = j.find("fccontrol_socket");
  if (sock != j.end() && sock->is_string() && !sock->get<std::string>().empty()) {
    info.fccontrol_socket = sock->get<std::string>();
  } else {
    // The address file holds "unix://<shim socket>"; fccontrol is beside it.
    std::string address;
    s = read_text_file(vm_dir + "/address", &address);
    if (!s.ok())
      return Status::InvalidArgument(path + ": no \"fccontrol_socket\" and " + s.message());
    while (!address.empty() && (address.back() == '\n' || address.back() == ' '))
      address.pop_back();
    const std::string scheme = "unix://";
    if (address.compare(0, scheme.size(), scheme) == 0) address.erase(0, scheme.size());
    info.fccontrol_socket = address + "-fccontrol";
  }
  *out = std::move(info);
  return Status::Ok();
}

}  // namespace ember::bench
