#pragma once
// Bounds on a VM's shape, one contract for the shim (which refuses a
// CreateVM outside them) and emberctl (which refuses the flags before any call).
#include <cstdint>

namespace ember::msg {

inline constexpr uint32_t kMaxVcpus = 32;
inline constexpr uint32_t kMaxMemoryMib = 1u << 20;  // 1 TiB

}  // namespace ember::msg
