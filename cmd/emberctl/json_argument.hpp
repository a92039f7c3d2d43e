#pragma once
// A command argument that carries JSON text: given inline, as @path (the
// file's contents) or as @- (standard input). The text is passed on as is;
// the server validates it.
#include <string>

#include "base/status.hpp"

namespace ember::ctl {

// Largest document read from a file or stdin: a ttrpc frame body holds 4 MiB.
inline constexpr size_t kMaxJsonArgumentBytes = 4u << 20;

// Unreadable or oversized input gives INVALID_ARGUMENT naming the source.
// stdin_fd is read for "@-" (a parameter so tests can pass a pipe).
Status read_json_argument(const std::string& arg, int stdin_fd, std::string* out);

}  // namespace ember::ctl
