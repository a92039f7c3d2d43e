#include "shimproc/launch_env.hpp"

#include <set>

#include "shimproc/launch_contract.hpp"

namespace ember::shimproc {
namespace {

// "NAME" of "NAME=value"; "" when there is no '=' or nothing before it.
std::string name_of(const std::string& entry) {
  size_t eq = entry.find('=');
  return eq == std::string::npos ? std::string() : entry.substr(0, eq);
}

std::string flag(const char* name) {
  return std::string("-") + name;
}

}  // namespace

std::vector<std::string> shim_arguments(const std::string& ns, const std::string& id,
                                        const std::string& containerd_address,
                                        const std::string& config_path) {
  std::vector<std::string> args = {flag(kNamespaceFlag), ns, flag(kIdFlag), id, flag(kAddressFlag),
                                   containerd_address};
  if (!config_path.empty()) {
    args.push_back(flag(kConfigFlag));
    args.push_back(config_path);
  }
  return args;
}

Status shim_environment(const std::string& vm_id, const std::string& containerd_address,
                        const std::vector<std::string>& extra, const char* const* base,
                        std::vector<std::string>* out) {
  std::vector<std::string> contract = {
      std::string(kVmIdEnv) + "=" + vm_id,
      std::string(kFccontrolSocketFdEnv) + "=" + std::to_string(kFccontrolSocketFd),
      std::string(kTtrpcAddressEnv) + "=" + containerd_address + kTtrpcAddressSuffix,
  };
  std::set<std::string> contract_names;
  for (const std::string& e : contract)
    contract_names.insert(name_of(e));
  std::set<std::string> set_here = contract_names;
  for (const std::string& e : extra) {
    std::string name = name_of(e);
    if (name.empty()) {
      return Status::InvalidArgument("shim environment entry \"" + e + "\" is not NAME=value");
    }
    if (contract_names.count(name) != 0) {
      return Status::InvalidArgument("shim environment entry \"" + e + "\": " + name +
                                     " is set by the launch contract");
    }
    if (!set_here.insert(name).second) {
      return Status::InvalidArgument("shim environment entry \"" + e + "\": " + name +
                                     " is given twice");
    }
  }
  std::vector<std::string> env;
  for (const char* const* p = base; p != nullptr && *p != nullptr; ++p) {
    std::string entry = *p;
    std::string name = name_of(entry);
    if (!name.empty() && set_here.count(name) == 0) env.push_back(std::move(entry));
  }
  env.insert(env.end(), contract.begin(), contract.end());
  env.insert(env.end(), extra.begin(), extra.end());
  *out = std::move(env);
  return Status::Ok();
}

}  // namespace ember::shimproc
