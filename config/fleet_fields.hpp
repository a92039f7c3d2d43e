#pragma once
// The config file's `fleet:` section (docs/config.md#fleet). Internal to config/.
#include "config/yaml_fields.hpp"

namespace ember::config::detail {

// Reads fleet.* and checks what the role requires (a member's name and
// listen address, a front's members, TLS files for both).
Handler fleet_section();

}  // namespace ember::config::detail
