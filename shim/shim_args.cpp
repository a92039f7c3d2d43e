#include "shim/shim_args.hpp"

#include <optional>

#include "shimproc/launch_contract.hpp"

namespace ember::shim {
namespace {

// "-name", "--name", "-name=v" or "--name=v" split into name and inline value.
bool split_flag(const std::string& arg, std::string* name, std::optional<std::string>* value) {
  if (arg.size() < 2 || arg[0] != '-') return false;
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  if (body.empty() || body[0] == '-' || body[0] == '=') return false;
  const auto eq = body.find('=');
  if (eq == std::string::npos) {
    *name = body;
    value->reset();
  } else {
    *name = body.substr(0, eq);
    *value = body.substr(eq + 1);
  }
  return true;
}

Status parse_bool(const std::string& flag, const std::string& text, bool* out) {
  if (text == "true" || text == "1") {
    *out = true;
  } else if (text == "false" || text == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument("flag -" + flag + " takes true or false, not \"" + text + "\"");
  }
  return Status::Ok();
}

}  // namespace

Status parse_shim_args(const std::vector<std::string>& argv, ShimArgs* out) {
  ShimArgs args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argv.size()) {
        return Status::InvalidArgument("unexpected argument \"" + argv[i + 1] + "\"");
      }
      break;
    }
    std::string name;
    std::optional<std::string> value;
    if (!split_flag(arg, &name, &value)) {
      return Status::InvalidArgument("unexpected argument \"" + arg + "\"");
    }
    if (name == shimproc::kDebugFlag || name == "help" || name == "h") {
      bool* target = name == shimproc::kDebugFlag ? &args.debug : &args.help;
      if (!value) {
        *target = true;
        continue;
      }
      Status s = parse_bool(name, *value, target);
      if (!s.ok()) return s;
      continue;
    }
    std::string* target = nullptr;
    if (name == shimproc::kNamespaceFlag) {
      target = &args.ns;
    } else if (name == shimproc::kIdFlag) {
      target = &args.id;
    } else if (name == shimproc::kAddressFlag) {
      target = &args.address;
    } else if (name == shimproc::kConfigFlag) {
      target = &args.config_path;
    } else {
      return Status::InvalidArgument("unknown flag \"" + arg + "\"");
    }
    if (!value) {
      if (i + 1 >= argv.size()) {
        return Status::InvalidArgument("flag -" + name + " needs a value");
      }
      value = argv[++i];
    }
    *target = *value;
  }
  if (!args.help) {
    if (args.ns.empty()) {
      return Status::InvalidArgument(std::string("flag -") + shimproc::kNamespaceFlag +
                                     " is required");
    }
  }
  *out = std::move(args);
  return Status::Ok();
}

const char* shim_usage() {
  return "usage: ember-shim -namespace <ns> [-address <containerd address>] [-id <vm id>]\n"
         "                  [-config <path>] [-debug]\n"
         "Serves the containerd task API on fd 3 and fccontrol on the fd that\n"
         "FCCONTROL_SOCKET_FD names (default 4), both listening unix sockets, for the VM\n"
         "FIRECRACKER_VM_ID names (-id, if given, must equal it). The working directory\n"
         "must be the VM directory <shim base dir>/<namespace>#<id>.\n";
}

}  // namespace ember::shim
