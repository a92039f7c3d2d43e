#pragma once
// ListenAddress: where an extra endpoint of emberd listens (metrics.listen):
// a unix socket path, or a loopback TCP port. Only loopback: the endpoint has
// no authentication, so it is not offered to the network.
#include <cstdint>
#include <string>

#include "base/status.hpp"

namespace ember::config {

struct ListenAddress {
  enum class Kind { off, unix_socket, tcp };
  Kind kind = Kind::off;
  std::string path;  // unix_socket: absolute path
  std::string host;  // tcp: "127.0.0.1" or "::1"
  uint16_t port = 0;
};

// "" -> off; "/abs/path" -> unix_socket; "127.0.0.1:PORT" or "[::1]:PORT"
// (PORT 1-65535) -> tcp. Anything else: INVALID_ARGUMENT saying what is
// accepted.
Status parse_listen_address(const std::string& text, ListenAddress* out);

}  // namespace ember::config
