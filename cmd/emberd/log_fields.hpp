#pragma once
// The structured fields of one of emberd's log messages, for the JSON log
// format: which VM it is about (namespace, id) and, for a line a shim wrote,
// the shim's pid and its own timestamp and level. emberd's messages follow
// two conventions that make this a parse, not a guess:
//   "VM <ns>/<id>: ..."            (actors/, about one VM)
//   "shim <ns>/<id>: <line>"       (shimproc/shim_launch.cpp, a shim's output)
// and an ember-shim line reads "<time> <level> ember-shim[<pid>] <ns>/<id>: <msg>"
// (shim/run_shim.cpp). Anything else has no fields.
#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

struct LogFields {
  std::string ns, id;  // "" when the message is about no VM
  int64_t pid = 0;     // the shim's, for its own lines; 0 otherwise
  std::string ts;      // the shim's own timestamp, "" unless a shim line
  std::string level;   // the shim's own level, "" unless a shim line
  std::string msg;     // the message without what became fields
  std::string source;  // "emberd", "ember-shim", or "vmm" (other output of a shim)
};

LogFields log_fields(std::string_view message);

}  // namespace ember
