#include "messages/fccontrol_methods.hpp"

namespace ember::msg {
namespace {
constexpr const char* kNames[kMethodCount] = {
    "CreateVM",         "PauseVM",       "ResumeVM",         "StopVM",
    "GetVMInfo",        "SetVMMetadata", "UpdateVMMetadata", "GetVMMetadata",
    "GetBalloonConfig", "UpdateBalloon", "GetBalloonStats",  "UpdateBalloonStats",
};
}  // namespace

const char* method_name(Method m) {
  return kNames[static_cast<int>(m)];
}

bool method_from_name(std::string_view name, Method* out) {
  for (int i = 0; i < kMethodCount; ++i) {
    if (name == kNames[i]) {
      *out = static_cast<Method>(i);
      return true;
    }
  }
  return false;
}

}  // namespace ember::msg
