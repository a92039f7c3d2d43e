#include "shim/vmm/firecracker/firecracker_api.hpp"

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace ember::shim::firecracker {
namespace {

// Bodies keep the order the swagger lists the fields in: easier to read in
// Firecracker's logs and in tests.
using Body = nlohmann::ordered_json;

ApiCall make(const char* method, std::string path, const Body& body) {
  return ApiCall{method, std::move(path), body.dump()};
}

ApiCall make_get(std::string path) {
  return ApiCall{"GET", std::move(path), ""};
}

// Faults Firecracker gives for a request that is fine in itself but not in
// the VM's current state.
constexpr std::array<const char*, 7> kStateFaults = {
    "not supported before starting",
    "not supported after starting",
    "is not initialized",
    "No balloon device",
    "are not enabled",
    "Cannot enable/disable the statistics after boot",
    "Device is inactive",
};
constexpr std::array<const char*, 2> kSizeFaults = {"size limit", "larger than the limit"};

template <std::size_t N>
bool mentions(const std::string& text, const std::array<const char*, N>& phrases) {
  for (const char* p : phrases) {
    if (text.find(p) != std::string::npos) return true;
  }
  return false;
}

std::string fault_of(long http_status, const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("fault_message") && j["fault_message"].is_string()) {
    return j["fault_message"].get<std::string>();
  }
  if (!body.empty()) return body;
  return "HTTP status " + std::to_string(http_status);
}

Status parse_object(const std::string& body, const char* what, nlohmann::json* out) {
  *out = nlohmann::json::parse(body, nullptr, false);
  if (out->is_object()) return Status::Ok();
  return Status::Internal(
      std::string("firecracker answered ") + what + " with " +
      (out->is_discarded() ? "text that is not JSON" : "JSON that is not an object"));
}

// A TokenBucket as the swagger has it: size and refill_time required,
// one_time_burst only when set (as the reference's TokenBucketBuilder).
Body token_bucket(const TokenBucket& b) {
  Body out{{"size", b.size}};
  if (b.one_time_burst > 0) out["one_time_burst"] = b.one_time_burst;
  out["refill_time"] = b.refill_time_ms;
  return out;
}

Body rate_limiter(const RateLimiter& r) {
  Body out = Body::object();
  if (r.bandwidth) out["bandwidth"] = token_bucket(*r.bandwidth);
  if (r.ops) out["ops"] = token_bucket(*r.ops);
  return out;
}

// A Drive as the swagger orders it; partuuid, cache_type and rate_limiter
// only when set (Firecracker's defaults: none, Unsafe, unlimited).
ApiCall put_drive(const std::string& id, const std::string& host_path, bool writable, bool root,
                  const std::string& partuuid, const DriveIo& io) {
  Body b{{"drive_id", id}};
  if (!partuuid.empty()) b["partuuid"] = partuuid;
  b["is_root_device"] = root;
  if (!io.cache_type.empty()) b["cache_type"] = io.cache_type;
  b["is_read_only"] = !writable;
  b["path_on_host"] = host_path;
  if (io.rate_limiter) b["rate_limiter"] = rate_limiter(*io.rate_limiter);
  return make("PUT", "/drives/" + id, b);
}

}  // namespace

ApiCall put_logger(const std::string& log_path, const std::string& level) {
  return make("PUT", "/logger",
              Body{{"log_path", log_path},
                   {"level", level},
                   {"show_level", true},
                   {"show_log_origin", false}});
}

ApiCall put_metrics(const std::string& metrics_path) {
  return make("PUT", "/metrics", Body{{"metrics_path", metrics_path}});
}

ApiCall put_machine_config(const VmSpec& spec) {
  Body b{{"vcpu_count", spec.vcpus}, {"mem_size_mib", spec.memory_mib}, {"smt", spec.ht_enabled}};
  if (!spec.cpu_template.empty()) b["cpu_template"] = spec.cpu_template;
  return make("PUT", "/machine-config", b);
}

ApiCall put_boot_source(const VmSpec& spec) {
  return make("PUT", "/boot-source",
              Body{{"kernel_image_path", spec.kernel_image}, {"boot_args", spec.kernel_args}});
}

ApiCall put_root_drive(const VmSpec& spec) {
  return put_drive(kRootDriveId, spec.root_drive, spec.root_drive_writable, true,
                   spec.root_drive_partuuid, spec.root_drive_io);
}

ApiCall put_drive_mount(const DriveSpec& drive, std::size_t index) {
  return put_drive("drive" + std::to_string(index + 1), drive.host_path, drive.writable, false, "",
                   drive.io);
}

ApiCall put_network_interface(const NetworkInterfaceSpec& iface, std::size_t index) {
  const std::string id = std::to_string(index + 1);
  Body b = Body::object();
  if (!iface.mac_address.empty()) b["guest_mac"] = iface.mac_address;
  b["host_dev_name"] = iface.host_dev_name;
  b["iface_id"] = id;
  if (iface.in_rate_limiter) b["rx_rate_limiter"] = rate_limiter(*iface.in_rate_limiter);
  if (iface.out_rate_limiter) b["tx_rate_limiter"] = rate_limiter(*iface.out_rate_limiter);
  return make("PUT", "/network-interfaces/" + id, b);
}

ApiCall put_mmds_config(const std::vector<NetworkInterfaceSpec>& ifaces) {
  Body ids = Body::array();
  for (std::size_t i = 0; i < ifaces.size(); ++i) {
    if (ifaces[i].allow_mmds) ids.push_back(std::to_string(i + 1));
  }
  return make("PUT", "/mmds/config", Body{{"version", "V1"}, {"network_interfaces", ids}});
}

ApiCall put_balloon(const BalloonDevice& device) {
  return make("PUT", "/balloon",
              Body{{"amount_mib", device.amount_mib},
                   {"deflate_on_oom", device.deflate_on_oom},
                   {"stats_polling_interval_s", device.stats_polling_interval_s}});
}

ApiCall patch_balloon(int64_t amount_mib) {
  return make("PATCH", "/balloon", Body{{"amount_mib", amount_mib}});
}

ApiCall get_balloon() {
  return make_get("/balloon");
}

ApiCall get_balloon_statistics() {
  return make_get("/balloon/statistics");
}

ApiCall patch_balloon_statistics(int64_t polling_interval_s) {
  return make("PATCH", "/balloon/statistics",
              Body{{"stats_polling_interval_s", polling_interval_s}});
}

ApiCall put_mmds(const std::string& json) {
  return ApiCall{"PUT", "/mmds", json};
}

ApiCall patch_mmds(const std::string& json) {
  return ApiCall{"PATCH", "/mmds", json};
}

ApiCall get_mmds() {
  return make_get("/mmds");
}

ApiCall instance_start() {
  return make("PUT", "/actions", Body{{"action_type", "InstanceStart"}});
}

ApiCall send_ctrl_alt_del() {
  return make("PUT", "/actions", Body{{"action_type", "SendCtrlAltDel"}});
}

ApiCall patch_vm(bool paused) {
  return make("PATCH", "/vm", Body{{"state", paused ? "Paused" : "Resumed"}});
}

ApiCall get_instance_info() {
  return make_get("/");
}

std::string logger_level(const std::string& spdlog_level) {
  if (spdlog_level == "trace") return "Trace";
  if (spdlog_level == "debug") return "Debug";
  if (spdlog_level == "warn") return "Warning";
  if (spdlog_level == "error" || spdlog_level == "critical") return "Error";
  if (spdlog_level == "off") return "Off";
  return "Info";
}

Status status_of(const ApiCall& call, long http_status, const std::string& body) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  const std::string fault = fault_of(http_status, body);
  std::string message = "firecracker " + call.what() + ": " + fault;
  if (http_status == 400) {
    if (mentions(fault, kStateFaults)) return Status::FailedPrecondition(std::move(message));
    if (mentions(fault, kSizeFaults)) return Status::ResourceExhausted(std::move(message));
    return Status::InvalidArgument(std::move(message));
  }
  if (http_status == 404) return Status::NotFound(std::move(message));
  return Status::Internal(std::move(message) + " (HTTP " + std::to_string(http_status) + ")");
}

Status parse_balloon_stats(const std::string& body, BalloonStats* out) {
  nlohmann::json j;
  Status s = parse_object(body, "GET /balloon/statistics", &j);
  if (!s.ok()) return s;
  BalloonStats st;
  struct Field {
    const char* name;
    int64_t* into;
    bool required;  // per the swagger's BalloonStats
  };
  const Field fields[] = {
      {"target_pages", &st.target_pages, true},
      {"actual_pages", &st.actual_pages, true},
      {"target_mib", &st.target_mib, true},
      {"actual_mib", &st.actual_mib, true},
      {"swap_in", &st.swap_in, false},
      {"swap_out", &st.swap_out, false},
      {"major_faults", &st.major_faults, false},
      {"minor_faults", &st.minor_faults, false},
      {"free_memory", &st.free_memory, false},
      {"total_memory", &st.total_memory, false},
      {"available_memory", &st.available_memory, false},
      {"disk_caches", &st.disk_caches, false},
      {"hugetlb_allocations", &st.hugetlb_allocations, false},
      {"hugetlb_failures", &st.hugetlb_failures, false},
  };
  for (const Field& f : fields) {
    if (!j.contains(f.name)) {
      if (f.required) {
        return Status::Internal(std::string("firecracker balloon statistics lack ") + f.name);
      }
      continue;
    }
    const auto& v = j[f.name];
    if (!v.is_number_integer()) {
      return Status::Internal(std::string("firecracker balloon statistics: ") + f.name +
                              " is not an integer");
    }
    // Counters are u64 in Firecracker; past int64 they would wrap negative.
    *f.into = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                  ? INT64_MAX
                  : v.get<int64_t>();
  }
  *out = st;
  return Status::Ok();
}

Status parse_instance_state(const std::string& body, std::string* state) {
  nlohmann::json j;
  Status s = parse_object(body, "GET /", &j);
  if (!s.ok()) return s;
  if (!j.contains("state") || !j["state"].is_string()) {
    return Status::Internal("firecracker instance info has no state");
  }
  *state = j["state"].get<std::string>();
  return Status::Ok();
}

Status compact_json_object(const std::string& body, std::string* out) {
  nlohmann::json j;
  Status s = parse_object(body, "GET /mmds", &j);
  if (!s.ok()) return s;
  *out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return Status::Ok();
}

}  // namespace ember::shim::firecracker
