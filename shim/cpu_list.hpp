#pragma once
// The kernel's list format for CPUs and memory nodes ("0-3,8,10-11"), as
// cpuset.cpus and /sys/devices/system/cpu/online write it and as
// JailerConfig.CPUs / Mems take it (runc passes them to cpuset unchanged).
#include <string>
#include <vector>

#include "base/status.hpp"

namespace ember::shim {

// The largest number a list may name: far above any machine, low enough that
// a set of them stays small.
inline constexpr int kMaxListedId = 4095;

// Parses text into sorted, distinct numbers. INVALID_ARGUMENT "<what> \"<text>\"
// ..." for an empty list, a bad range, or a number above kMaxListedId.
Status parse_id_list(const std::string& what, const std::string& text, std::vector<int>* out);

// The online CPUs or memory nodes (/sys/devices/system/{cpu,node}/online).
// A machine without the node directory has node 0 only.
Status online_cpus(std::vector<int>* out);
Status online_memory_nodes(std::vector<int>* out);

// "0-1,3" for {0, 1, 3}.
std::string format_id_list(const std::vector<int>& ids);

}  // namespace ember::shim
