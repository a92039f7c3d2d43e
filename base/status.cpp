#include "base/status.hpp"

#include <string>

namespace ember {
namespace {
constexpr const char* kNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
};
constexpr int kNameCount = sizeof(kNames) / sizeof(kNames[0]);
}  // namespace

std::string code_name(Code c) {
  int n = static_cast<int>(c);
  if (n >= 0 && n < kNameCount) return kNames[n];
  return "CODE(" + std::to_string(n) + ")";
}

bool code_from_name(std::string_view name, Code* out) {
  for (int i = 0; i < kNameCount; ++i) {
    if (name == kNames[i]) {
      *out = static_cast<Code>(i);
      return true;
    }
  }
  return false;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return code_name(code_) + ": " + message_;
}

}  // namespace ember
