#pragma once
// The level of a line an ember-shim wrote to its output, so emberd logs a
// shim's warnings and errors as such. ember-shim's lines read
//   <time> <level> ember-shim[<pid>] <ns>/<id>: <message>
// (shim/run_shim.cpp); any other line (a VMM's, a crash message) is INFO.
#include <spdlog/common.h>

#include <string_view>

namespace ember::shimproc {

spdlog::level::level_enum shim_line_level(std::string_view line);

}  // namespace ember::shimproc
