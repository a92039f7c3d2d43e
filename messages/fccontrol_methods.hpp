#pragma once
// The twelve methods of the fccontrol ttrpc service ("Firecracker").
#include <cstdint>
#include <string_view>

namespace ember::msg {

inline constexpr const char* kFirecrackerService = "Firecracker";

enum class Method : uint8_t {
  create_vm,
  pause_vm,
  resume_vm,
  stop_vm,
  get_vm_info,
  set_vm_metadata,
  update_vm_metadata,
  get_vm_metadata,
  get_balloon_config,
  update_balloon,
  get_balloon_stats,
  update_balloon_stats,
};
inline constexpr int kMethodCount = 12;

// "CreateVM" for Method::create_vm, as on the wire.
const char* method_name(Method m);
// Inverse of method_name; false for names outside the service.
bool method_from_name(std::string_view name, Method* out);

}  // namespace ember::msg
