// load_file: reads the YAML file over the caller's config, key by key, with
// every unknown key, duplicate, wrong type and bad value reported by line.
#include <climits>
#include <cstdlib>
#include <vector>

#include "base/files.hpp"
#include "config/config.hpp"
#include "config/fleet_fields.hpp"
#include "config/listen_address.hpp"
#include "config/yaml_fields.hpp"
#include "config/yaml_values.hpp"

namespace ember::config {
namespace {

using detail::Entry;
using detail::invalid;

using detail::Field;
using detail::Handler;
using detail::section;
using detail::walk_map;

constexpr bool kRequired = false;
constexpr bool kOptional = true;

Handler backend_field() {
  return [](const Entry& e, Config* c) {
    static const std::vector<const char*> kNames = {"qemu", "firecracker", "hollow"};
    static const Backend kValues[] = {Backend::qemu, Backend::firecracker, Backend::hollow};
    size_t i = 0;
    Status s = detail::read_choice(e, kNames, &i);
    if (s.ok()) c->vmm.backend = kValues[i];
    return s;
  };
}

Handler log_level_field() {
  return [](const Entry& e, Config* c) {
    static const std::vector<const char*> kNames = {"trace", "debug",    "info", "warn",
                                                    "error", "critical", "off"};
    size_t i = 0;
    Status s = detail::read_choice(e, kNames, &i);
    if (s.ok()) c->log.level = kNames[i];
    return s;
  };
}

Handler log_format_field() {
  return [](const Entry& e, Config* c) {
    static const std::vector<const char*> kNames = {"text", "json"};
    size_t i = 0;
    Status s = detail::read_choice(e, kNames, &i);
    if (s.ok()) c->log.format = i == 0 ? LogFormat::text : LogFormat::json;
    return s;
  };
}

// Upper bounds keep values sane: 32 vCPUs is Firecracker's limit, 1 TiB of
// memory, a day for any timeout.
std::vector<Field> vmm_fields() {
  using detail::read_string;
  return {
      {"backend", backend_field()},
      {"qemu_binary",
       [](const Entry& e, Config* c) { return read_string(e, &c->vmm.qemu_binary); }},
      {"firecracker_binary",
       [](const Entry& e, Config* c) { return read_string(e, &c->vmm.firecracker_binary); }},
  };
}

std::vector<Field> vm_fields() {
  using detail::read_path;
  using detail::read_string;
  using detail::read_uint;
  return {
      {"kernel_image",
       [](const Entry& e, Config* c) { return read_path(e, kOptional, &c->vm.kernel_image); }},
      {"kernel_args", [](const Entry& e, Config* c) { return read_string(e, &c->vm.kernel_args); }},
      {"root_drive",
       [](const Entry& e, Config* c) { return read_path(e, kOptional, &c->vm.root_drive); }},
      {"vcpus", [](const Entry& e, Config* c) { return read_uint(e, 1, 32, &c->vm.vcpus); }},
      {"memory_mib",
       [](const Entry& e, Config* c) { return read_uint(e, 1, 1u << 20, &c->vm.memory_mib); }},
      {"boot_timeout_seconds",
       [](const Entry& e, Config* c) {
         return read_uint(e, 0, 86400, &c->vm.boot_timeout_seconds);
       }},
  };
}

// A request is at most 4 MiB on the wire (ttrpc::kMaxBody); 1 KiB is the
// least a CreateVM needs. 1 TiB of buffers is past any sane memory share.
std::vector<Field> connection_fields() {
  using detail::read_uint;
  using detail::read_uint64;
  return {
      {"max_in_flight",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 1000000, &c->limits.connection.max_in_flight);
       }},
      {"max_queued_reply_bytes",
       [](const Entry& e, Config* c) {
         return read_uint64(e, 1024, uint64_t{1} << 40,
                            &c->limits.connection.max_queued_reply_bytes);
       }},
      {"max_request_bytes",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1024, 4u << 20, &c->limits.connection.max_request_bytes);
       }},
      {"requests_per_turn",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 1000000, &c->limits.connection.requests_per_turn);
       }},
      {"share_in_flight",
       [](const Entry& e, Config* c) {
         return detail::read_bool(e, &c->limits.connection.share_in_flight);
       }},
  };
}

std::vector<Field> limits_fields() {
  using detail::read_uint;
  using detail::read_uint64;
  return {
      {"max_vms",
       [](const Entry& e, Config* c) { return read_uint(e, 1, 1000000, &c->limits.max_vms); }},
      {"max_concurrent_creates",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 1000000, &c->limits.max_concurrent_creates);
       }},
      {"connection", section(connection_fields())},
      {"max_buffered_request_bytes",
       [](const Entry& e, Config* c) {
         return read_uint64(e, uint64_t{64} << 10, uint64_t{1} << 40,
                            &c->limits.max_buffered_request_bytes);
       }},
  };
}

std::vector<Field> timeouts_fields() {
  using detail::read_uint;
  return {
      {"create_vm_seconds",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 86400, &c->timeouts.create_vm_seconds);
       }},
      {"stop_vm_seconds",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 86400, &c->timeouts.stop_vm_seconds);
       }},
      {"call_wait_seconds",
       [](const Entry& e, Config* c) {
         return read_uint(e, 1, 86400, &c->timeouts.call_wait_seconds);
       }},
      {"call_seconds",
       [](const Entry& e, Config* c) { return read_uint(e, 1, 86400, &c->timeouts.call_seconds); }},
  };
}

// 64 KiB holds a header and many records; 1 TiB per file is past any sane disk share.
std::vector<Field> journal_fields() {
  using detail::read_path;
  using detail::read_uint;
  using detail::read_uint64;
  return {
      {"path", [](const Entry& e, Config* c) { return read_path(e, kOptional, &c->journal.path); }},
      {"max_bytes",
       [](const Entry& e, Config* c) {
         return read_uint64(e, uint64_t{64} << 10, uint64_t{1} << 40, &c->journal.max_bytes);
       }},
      {"max_files",
       [](const Entry& e, Config* c) { return read_uint(e, 1, 1000, &c->journal.max_files); }},
  };
}

// Checked here, so a bad address stops emberd at start with its line.
Handler metrics_listen_field() {
  return [](const Entry& e, Config* c) {
    std::string text;
    Status s = detail::read_string(e, &text);
    if (!s.ok()) return s;
    ListenAddress parsed;
    s = parse_listen_address(text, &parsed);
    if (!s.ok()) return invalid(*e.file, e.mark, e.key, s.message());
    c->metrics.listen = std::move(text);
    return Status::Ok();
  };
}

// A tombstone holds at least a useful console tail; 1 TiB is past any sane disk share.
std::vector<Field> tombstones_fields() {
  using detail::read_path;
  using detail::read_uint;
  using detail::read_uint64;
  return {
      {"dir",
       [](const Entry& e, Config* c) { return read_path(e, kOptional, &c->tombstones.dir); }},
      {"max_per_namespace",
       [](const Entry& e, Config* c) {
         return read_uint(e, 0, 100000, &c->tombstones.max_per_namespace);
       }},
      {"max_bytes",
       [](const Entry& e, Config* c) {
         return read_uint64(e, uint64_t{64} << 10, uint64_t{1} << 40, &c->tombstones.max_bytes);
       }},
      {"console_tail_bytes",
       [](const Entry& e, Config* c) {
         return read_uint(e, 0, 1u << 20, &c->tombstones.console_tail_bytes);
       }},
  };
}

const std::vector<Field>& top_level_fields() {
  using detail::read_bool;
  using detail::read_path;
  static const std::vector<Field> kFields = {
      {"socket", [](const Entry& e, Config* c) { return read_path(e, kRequired, &c->socket); }},
      {"state_dir",
       [](const Entry& e, Config* c) { return read_path(e, kRequired, &c->state_dir); }},
      {"shim_base_dir",
       [](const Entry& e, Config* c) { return read_path(e, kRequired, &c->shim_base_dir); }},
      {"containerd_address",
       [](const Entry& e, Config* c) { return read_path(e, kRequired, &c->containerd_address); }},
      {"shim_binary",
       [](const Entry& e, Config* c) { return read_path(e, kOptional, &c->shim_binary); }},
      {"stop_vms_on_exit",
       [](const Entry& e, Config* c) { return read_bool(e, &c->stop_vms_on_exit); }},
      {"vmm", section(vmm_fields())},
      {"vm", section(vm_fields())},
      {"limits", section(limits_fields())},
      {"timeouts", section(timeouts_fields())},
      {"log", section({{"level", log_level_field()}, {"format", log_format_field()}})},
      {"journal", section(journal_fields())},
      {"metrics", section({{"listen", metrics_listen_field()}})},
      {"tombstones", section(tombstones_fields())},
      {"fleet", detail::fleet_section()},
  };
  return kFields;
}

}  // namespace

Status load_file(const std::string& path, Config* inout) {
  std::string text;
  Status s = read_file(path, &text);
  if (!s.ok()) return s;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string where = path;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(where + ": YAML syntax error: " + e.msg);
  }
  Config c = *inout;  // filled on the side: a bad file changes nothing
  if (!root.IsNull()) {
    if (!root.IsMap()) {
      return invalid(path, root.Mark(), "top level",
                     "expected a mapping of keys, got " + detail::describe(root));
    }
    s = walk_map(path, root, "", top_level_fields(), &c);
    if (!s.ok()) return s;
  }
  // Absolute, because shims get this path and run in their VM directory.
  char resolved[PATH_MAX];
  c.source = ::realpath(path.c_str(), resolved) ? std::string(resolved) : path;
  *inout = std::move(c);
  return Status::Ok();
}

}  // namespace ember::config
