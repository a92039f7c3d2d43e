#include "shim/host_memory.hpp"

#include <cstdlib>

#include "base/files.hpp"

namespace ember::shim {

std::optional<uint64_t> mem_total_mib(std::string_view meminfo) {
  constexpr std::string_view kKey = "MemTotal:";
  size_t at = meminfo.find(kKey);
  if (at == std::string_view::npos || (at > 0 && meminfo[at - 1] != '\n')) return std::nullopt;
  const std::string rest(meminfo.substr(at + kKey.size(), 32));
  char* end = nullptr;
  unsigned long long kib = std::strtoull(rest.c_str(), &end, 10);
  if (end == rest.c_str()) return std::nullopt;
  return kib / 1024;
}

Status check_fits_host(uint32_t memory_mib, uint64_t host_mib) {
  if (memory_mib <= host_mib) return Status::Ok();
  return Status::ResourceExhausted("MachineCfg.MemSizeMib " + std::to_string(memory_mib) +
                                   " MiB is more than this host's memory (" +
                                   std::to_string(host_mib) + " MiB)");
}

Status check_host_memory(uint32_t memory_mib, const std::string& meminfo_path) {
  std::optional<std::string> text = read_file(meminfo_path);
  if (!text) return Status::Ok();
  std::optional<uint64_t> host = mem_total_mib(*text);
  return host ? check_fits_host(memory_mib, *host) : Status::Ok();
}

}  // namespace ember::shim
