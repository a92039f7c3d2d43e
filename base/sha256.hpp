#pragma once
// SHA-256 (FIPS 180-4), one-shot, for naming shim sockets as containerd does.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
// The digest as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace ember
