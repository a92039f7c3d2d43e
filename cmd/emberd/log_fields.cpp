#include "cmd/emberd/log_fields.hpp"

#include <cstdlib>

namespace ember {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "<ns>/<id>: rest" -> ns, id, rest. Identifiers hold no '/', ':' or space.
bool split_vm(std::string_view s, std::string* ns, std::string* id, std::string_view* rest) {
  size_t colon = s.find(": ");
  if (colon == std::string_view::npos) return false;
  std::string_view name = s.substr(0, colon);
  size_t slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size() ||
      name.find_first_of(" /", slash + 1) != std::string_view::npos ||
      name.substr(0, slash).find(' ') != std::string_view::npos)
    return false;
  *ns = std::string(name.substr(0, slash));
  *id = std::string(name.substr(slash + 1));
  *rest = s.substr(colon + 2);
  return true;
}

// "<time> <level> ember-shim[<pid>] <ns>/<id>: <msg>" into f.
bool parse_shim_line(std::string_view line, LogFields* f) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  std::string_view tail = line.substr(sp2 + 1);
  constexpr std::string_view kTag = "ember-shim[";
  if (!starts_with(tail, kTag)) return false;
  size_t close = tail.find("] ");
  if (close == std::string_view::npos) return false;
  const std::string pid(tail.substr(kTag.size(), close - kTag.size()));
  char* end = nullptr;
  long long value = std::strtoll(pid.c_str(), &end, 10);
  if (pid.empty() || *end != '\0') return false;
  std::string ns, id;
  std::string_view msg;
  if (!split_vm(tail.substr(close + 2), &ns, &id, &msg)) return false;
  f->ts = std::string(line.substr(0, sp1));
  f->level = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  f->pid = value;
  f->msg = std::string(msg);
  f->source = "ember-shim";
  return true;
}

}  // namespace

LogFields log_fields(std::string_view message) {
  LogFields f;
  f.msg = std::string(message);
  f.source = "emberd";
  std::string_view rest;
  if (starts_with(message, "VM ") && split_vm(message.substr(3), &f.ns, &f.id, &rest)) return f;
  if (starts_with(message, "shim ") && split_vm(message.substr(5), &f.ns, &f.id, &rest)) {
    if (!parse_shim_line(rest, &f)) {
      f.msg = std::string(rest);
      f.source = "vmm";
    }
  }
  return f;
}

}  // namespace ember
