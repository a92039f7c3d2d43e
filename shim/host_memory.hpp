#pragma once
// A VM's memory against the host's. A VMM asked for more than the host has
// fails to allocate it with a message that would read as INTERNAL; the shim
// refuses it first, as RESOURCE_EXHAUSTED naming the memory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace ember::shim {

// MemTotal of a /proc/meminfo text, in MiB; nullopt when it has none.
std::optional<uint64_t> mem_total_mib(std::string_view meminfo);

// OK when memory_mib fits in host_mib; RESOURCE_EXHAUSTED naming both otherwise.
Status check_fits_host(uint32_t memory_mib, uint64_t host_mib);

// check_fits_host against meminfo_path's MemTotal (unreadable: OK, the VMM
// will say what it can).
Status check_host_memory(uint32_t memory_mib, const std::string& meminfo_path = "/proc/meminfo");

}  // namespace ember::shim
