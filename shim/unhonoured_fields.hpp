#pragma once
// The CreateVM fields a backend does not honour yet, refused by name instead
// of silently ignored: UNIMPLEMENTED "CreateVMRequest.<field> is not
// supported by the <backend> backend". docs/emberd.md has the table of every
// field, per backend. The hollow backend runs no VM and takes every field.
#include "base/status.hpp"
#include "config/config.hpp"
#include "fccontrol.pb.h"

namespace ember::shim {

Status refuse_unhonoured_fields(const CreateVMRequest& req, config::Backend backend);

}  // namespace ember::shim
