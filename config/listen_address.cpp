#include "config/listen_address.hpp"

#include <cctype>
#include <string>

namespace ember::config {
namespace {

bool parse_port(const std::string& digits, uint16_t* out) {
  if (digits.empty() || digits.size() > 5) return false;
  uint32_t v = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

Status parse_listen_address(const std::string& text, ListenAddress* out) {
  ListenAddress a;
  if (text.empty()) {
    *out = a;
    return Status::Ok();
  }
  if (text[0] == '/') {
    // sockaddr_un holds 108 bytes, the terminating NUL included.
    if (text.size() > 107)
      return Status::InvalidArgument("unix socket path is " + std::to_string(text.size()) +
                                     " bytes, longer than the 107 a socket address holds");
    a.kind = ListenAddress::Kind::unix_socket;
    a.path = text;
    *out = a;
    return Status::Ok();
  }
  static const std::string kV4 = "127.0.0.1:";
  static const std::string kV6 = "[::1]:";
  std::string port;
  if (text.compare(0, kV4.size(), kV4) == 0) {
    a.host = "127.0.0.1";
    port = text.substr(kV4.size());
  } else if (text.compare(0, kV6.size(), kV6) == 0) {
    a.host = "::1";
    port = text.substr(kV6.size());
  }
  if (a.host.empty() || !parse_port(port, &a.port))
    return Status::InvalidArgument(
        "expected an absolute unix socket path, 127.0.0.1:PORT or [::1]:PORT (PORT 1-65535), "
        "got \"" +
        text + "\"");
  a.kind = ListenAddress::Kind::tcp;
  *out = a;
  return Status::Ok();
}

}  // namespace ember::config
