#include "tests/shim/vmm/firecracker/firecracker_fake_api.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "tests/shim/vmm/firecracker/firecracker_fake_schema.hpp"

namespace ember::fakefc {
namespace {

const char* const kAfterBoot =
    "The requested operation is not supported after starting the microVM.";
const char* const kBeforeBoot =
    "The requested operation is not supported before starting the microVM.";
const char* const kNoBalloon = "Balloon config error: No balloon device found.";
const char* const kTooManyPages = "Balloon config error: Amount of pages requested is too large.";

constexpr int64_t kMiB = 1 << 20;

// Rust's io::Error display: "<strerror> (os error <n>)".
std::string os_error(int err) {
  return std::string(std::strerror(err)) + " (os error " + std::to_string(err) + ")";
}

// As Firecracker's open_file_nonblock: read-write, so a FIFO opens without a
// reader; created when missing.
int open_nonblock(const std::string& path) {
  return ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CREAT | O_CLOEXEC, 0600);
}

std::string method_name(const std::string& method) {
  if (method.empty()) return method;
  std::string out = method.substr(0, 1);
  for (std::size_t i = 1; i < method.size(); ++i)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(method[i])));
  return out;
}

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

HttpResponse fault(const std::string& message) {
  return HttpResponse{400, nlohmann::json{{"fault_message", message}}.dump()};
}

HttpResponse ok_json(const nlohmann::json& body) {
  return HttpResponse{200, body.dump()};
}

void FakeFirecracker::log(const std::string& line) {
  if (!log_fd_) return;
  const std::string text = "[anonymous-instance:fc_api:INFO] " + line + "\n";
  (void)!::write(log_fd_.get(), text.data(), text.size());  // full FIFO: dropped, as Firecracker
}

HttpResponse FakeFirecracker::handle(const HttpRequest& r) {
  log("The API server received a " + method_name(r.method) + " request on \"" + r.path + "\".");
  const std::string path =
      r.path.size() > 1 && r.path.back() == '/' ? r.path.substr(0, r.path.size() - 1) : r.path;
  return route(r, path);
}

HttpResponse FakeFirecracker::route(const HttpRequest& r, const std::string& path) {
  const std::string& m = r.method;
  const std::string& b = r.body;
  if (path == "/" && m == "GET") return instance_info();
  if (path == "/logger" && m == "PUT") return put_logger(b);
  if (path == "/metrics" && m == "PUT") return put_metrics(b);
  if (path == "/machine-config" && m == "PUT") return put_machine_config(b);
  if (path == "/machine-config" && m == "GET") {
    return ok_json({{"vcpu_count", vcpus_}, {"mem_size_mib", mem_mib_}, {"smt", false}});
  }
  if (path == "/boot-source" && m == "PUT") return put_boot_source(b);
  if (path.rfind("/drives/", 0) == 0 && m == "PUT") return put_drive(path.substr(8), b);
  if (path == "/balloon" && m == "PUT") return put_balloon(b);
  if (path == "/balloon" && m == "PATCH") return patch_balloon(b);
  if (path == "/balloon" && m == "GET") return get_balloon();
  if (path == "/balloon/statistics" && m == "GET") return get_balloon_stats();
  if (path == "/balloon/statistics" && m == "PATCH") return patch_balloon_stats(b);
  if (path.rfind("/network-interfaces/", 0) == 0 && m == "PUT") {
    return put_network_interface(path.substr(20), b);
  }
  if (path == "/mmds/config" && m == "PUT") return put_mmds_config(b);
  if (path == "/mmds" && m == "PUT") return put_mmds(b);
  if (path == "/mmds" && m == "PATCH") return patch_mmds(b);
  if (path == "/mmds" && m == "GET") return ok_json(mmds_initialized_ ? mmds_ : json::object());
  if (path == "/actions" && m == "PUT") return put_action(b);
  if (path == "/vm" && m == "PATCH") return patch_vm(b);
  return fault("Invalid request method and/or path: " + m + " " + path.substr(1) + ".");
}

HttpResponse FakeFirecracker::put_logger(const std::string& body) {
  json j;
  const std::string why = check_body(
      body,
      {{"log_path", Type::string},
       {"level", Type::variant, false, {"Error", "Warning", "Info", "Debug", "Trace", "Off"}, true},
       {"show_level", Type::boolean},
       {"show_log_origin", Type::boolean},
       {"module", Type::string}},
      &j);
  if (!why.empty()) return fault(why);
  if (j.contains("log_path")) {
    UniqueFd fd(open_nonblock(j["log_path"].get<std::string>()));
    if (!fd) return fault("Logger error: Failed to open target file: " + os_error(errno));
    log_fd_ = std::move(fd);
  }
  log("Running Firecracker v1.7.0 (fake-firecracker)");
  return {};
}

HttpResponse FakeFirecracker::put_metrics(const std::string& body) {
  json j;
  const std::string why = check_body(body, {{"metrics_path", Type::string, true}}, &j);
  if (!why.empty()) return fault(why);
  if (metrics_fd_)
    return fault("Metrics initialization error: Reinitialization of metrics not allowed.");
  UniqueFd fd(open_nonblock(j["metrics_path"].get<std::string>()));
  if (!fd)
    return fault("Metrics initialization error: Failed to open target file: " + os_error(errno));
  metrics_fd_ = std::move(fd);
  return {};
}

HttpResponse FakeFirecracker::put_machine_config(const std::string& body) {
  json j;
  const std::string why = check_body(
      body,
      {{"vcpu_count", Type::u8, true},
       {"mem_size_mib", Type::u64, true},
       {"smt", Type::boolean},
       {"cpu_template", Type::variant, false, {"C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"}},
       {"track_dirty_pages", Type::boolean},
       {"huge_pages", Type::variant, false, {"None", "Transparent", "2M"}}},
      &j);
  if (!why.empty()) return fault(why);
  if (started_) return fault(kAfterBoot);
  const int vcpus = j["vcpu_count"].get<int>();
  const bool smt = j.value("smt", false);
  if (vcpus < 1 || vcpus > 32 || (smt && vcpus > 1 && vcpus % 2 != 0)) {
    return fault(
        "Machine config error: The vCPU number is invalid! The vCPU number can only be 1 or an "
        "even number when SMT is enabled.");
  }
  const uint64_t mem = j["mem_size_mib"].get<uint64_t>();
  if (mem == 0) return fault("Machine config error: The memory size (MiB) is invalid.");
  vcpus_ = vcpus;
  mem_mib_ = mem;
  return {};
}

HttpResponse FakeFirecracker::put_boot_source(const std::string& body) {
  json j;
  const std::string why = check_body(body,
                                     {{"kernel_image_path", Type::string, true},
                                      {"boot_args", Type::string},
                                      {"initrd_path", Type::string}},
                                     &j);
  if (!why.empty()) return fault(why);
  if (started_) return fault(kAfterBoot);
  UniqueFd kernel(::open(j["kernel_image_path"].get<std::string>().c_str(), O_RDONLY | O_CLOEXEC));
  if (!kernel)
    return fault("Boot source error: The kernel file cannot be opened: " + os_error(errno));
  if (j.contains("initrd_path")) {
    UniqueFd initrd(::open(j["initrd_path"].get<std::string>().c_str(), O_RDONLY | O_CLOEXEC));
    if (!initrd)
      return fault("Boot source error: The initrd file cannot be opened: " + os_error(errno));
  }
  have_kernel_ = true;
  return {};
}

HttpResponse FakeFirecracker::put_drive(const std::string& id, const std::string& body) {
  if (id.empty()) return fault("The ID cannot be empty.");
  if (!valid_id(id)) {
    return fault("API Resource IDs can only contain alphanumeric characters and underscores.");
  }
  json j;
  const std::string why = check_body(body,
                                     {{"drive_id", Type::string, true},
                                      {"partuuid", Type::string},
                                      {"is_root_device", Type::boolean, true},
                                      {"cache_type", Type::variant, false, {"Unsafe", "Writeback"}},
                                      {"is_read_only", Type::boolean},
                                      {"path_on_host", Type::string},
                                      {"rate_limiter", Type::object},
                                      {"io_engine", Type::variant, false, {"Sync", "Async"}},
                                      {"socket", Type::string}},
                                     &j);
  std::string limiter_why =
      why.empty() && j.contains("rate_limiter") ? check_rate_limiter(j["rate_limiter"]) : "";
  if (!why.empty() || !limiter_why.empty()) return fault(why.empty() ? limiter_why : why);
  if (j["drive_id"].get<std::string>() != id) {
    return fault("The id from the path does not match the id from the body!");
  }
  if (started_) return fault(kAfterBoot);
  const bool root = j["is_root_device"].get<bool>();
  const bool was_root = drives_.contains(id) && drives_[id]["is_root_device"].get<bool>();
  if (root && have_root_drive_ && !was_root) {
    return fault("Drive config error: A root block device already exists!");
  }
  if (!j.contains("path_on_host")) {
    return fault(
        "Drive config error: Unable to create the virtio block device: path_on_host is "
        "required");
  }
  const std::string host = j["path_on_host"].get<std::string>();
  const bool read_only = j.value("is_read_only", false);
  UniqueFd file(::open(host.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
  if (!file) {
    return fault("Drive config error: Unable to open the block device backing file " + host + ": " +
                 os_error(errno));
  }
  if (was_root && !root) have_root_drive_ = false;
  if (root) have_root_drive_ = true;
  drives_[id] = j;
  return {};
}

HttpResponse FakeFirecracker::put_balloon(const std::string& body) {
  json j;
  const std::string why = check_body(body,
                                     {{"amount_mib", Type::u32, true},
                                      {"deflate_on_oom", Type::boolean, true},
                                      {"stats_polling_interval_s", Type::u16},
                                      {"free_page_hinting", Type::boolean},
                                      {"free_page_reporting", Type::boolean}},
                                     &j);
  if (!why.empty()) return fault(why);
  if (started_) return fault(kAfterBoot);
  if (j["amount_mib"].get<uint64_t>() > mem_mib_) return fault(kTooManyPages);
  balloon_ = {{"amount_mib", j["amount_mib"]},
              {"deflate_on_oom", j["deflate_on_oom"]},
              {"stats_polling_interval_s", j.value("stats_polling_interval_s", 0)}};
  have_balloon_ = true;
  return {};
}

HttpResponse FakeFirecracker::patch_balloon(const std::string& body) {
  json j;
  const std::string why = check_body(body, {{"amount_mib", Type::u32, true}}, &j);
  if (!why.empty()) return fault(why);
  if (!have_balloon_) return fault(kNoBalloon);
  if (j["amount_mib"].get<uint64_t>() > mem_mib_) return fault(kTooManyPages);
  balloon_["amount_mib"] = j["amount_mib"];
  return {};
}

HttpResponse FakeFirecracker::get_balloon() const {
  if (!have_balloon_) return fault(kNoBalloon);
  return ok_json(balloon_);
}

HttpResponse FakeFirecracker::get_balloon_stats() const {
  if (!have_balloon_) return fault(kNoBalloon);
  if (balloon_["stats_polling_interval_s"].get<int>() == 0) {
    return fault("Balloon config error: Statistics for the balloon device are not enabled");
  }
  if (!started_)
    return fault("Balloon config error: Device is inactive, check balloon driver is enabled.");
  // A guest whose balloon driver reached the target at once. Every figure
  // differs from the others, so a mix-up in a mapping shows.
  const int64_t amount = balloon_["amount_mib"].get<int64_t>();
  const int64_t total = static_cast<int64_t>(mem_mib_) * kMiB;
  const int64_t free = total - amount * kMiB - 9 * kMiB;
  return ok_json({{"target_pages", amount * 256},
                  {"actual_pages", amount * 256},
                  {"target_mib", amount},
                  {"actual_mib", amount},
                  {"swap_in", 1},
                  {"swap_out", 2},
                  {"major_faults", 3},
                  {"minor_faults", 4},
                  {"free_memory", free},
                  {"total_memory", total},
                  {"available_memory", free + 7 * kMiB},
                  {"disk_caches", 7 * kMiB},
                  {"hugetlb_allocations", 5},
                  {"hugetlb_failures", 6}});
}

HttpResponse FakeFirecracker::patch_balloon_stats(const std::string& body) {
  json j;
  const std::string why = check_body(body, {{"stats_polling_interval_s", Type::u16, true}}, &j);
  if (!why.empty()) return fault(why);
  if (!have_balloon_) return fault(kNoBalloon);
  const int old_interval = balloon_["stats_polling_interval_s"].get<int>();
  const int interval = j["stats_polling_interval_s"].get<int>();
  if (started_ && (old_interval == 0) != (interval == 0)) {
    return fault("Balloon config error: Cannot enable/disable the statistics after boot.");
  }
  balloon_["stats_polling_interval_s"] = interval;
  return {};
}

HttpResponse FakeFirecracker::put_mmds(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return fault(serde_fault("expected value at line 1 column 1"));
  if (!j.is_object()) return fault("The MMDS data store request body must be a JSON object.");
  const std::size_t size = j.dump().size();
  if (size > opt_.mmds_size_limit) {
    return fault("The MMDS data store size limit was exceeded: " + std::to_string(size) +
                 " bytes > " + std::to_string(opt_.mmds_size_limit) + " bytes");
  }
  mmds_ = std::move(j);
  mmds_initialized_ = true;
  return {};
}

HttpResponse FakeFirecracker::patch_mmds(const std::string& body) {
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) return fault(serde_fault("expected value at line 1 column 1"));
  if (!mmds_initialized_) return fault("The MMDS data store is not initialized.");
  if (!patch.is_object()) return fault("The MMDS data store request body must be a JSON object.");
  json merged = mmds_;
  merged.merge_patch(patch);
  const std::size_t size = merged.dump().size();
  if (size > opt_.mmds_size_limit) {
    return fault("The MMDS data store size limit was exceeded: " + std::to_string(size) +
                 " bytes > " + std::to_string(opt_.mmds_size_limit) + " bytes");
  }
  mmds_ = std::move(merged);
  return {};
}

HttpResponse FakeFirecracker::put_action(const std::string& body) {
  json j;
  const std::string why = check_body(
      body,
      {{"action_type", Type::variant, true, {"FlushMetrics", "InstanceStart", "SendCtrlAltDel"}}},
      &j);
  if (!why.empty()) return fault(why);
  const std::string action = j["action_type"].get<std::string>();
  if (action == "InstanceStart") {
    if (started_) return fault(kAfterBoot);
    if (!have_kernel_) {
      return fault("Start microvm error: Cannot start microvm without kernel configuration.");
    }
    started_ = true;
    log("Successfully started microvm that was configured from one single json");
    return {};
  }
  if (!started_) return fault(kBeforeBoot);
  if (action == "FlushMetrics") {
    if (!metrics_fd_) return fault("Metrics error: the metrics system is not initialized.");
    const std::string line = "{\"api_server\":{\"process_startup_time_us\":1}}\n";
    (void)!::write(metrics_fd_.get(), line.data(), line.size());
    return {};
  }
  // SendCtrlAltDel: the guest shuts down unless it cannot (or will not) react.
  if (opt_.ignore_ctrl_alt_del) return {};
  if (paused_) {
    ctrl_alt_del_pending_ = true;
  } else {
    shut_down_ = true;
  }
  return {};
}

HttpResponse FakeFirecracker::patch_vm(const std::string& body) {
  json j;
  const std::string why =
      check_body(body, {{"state", Type::variant, true, {"Paused", "Resumed"}}}, &j);
  if (!why.empty()) return fault(why);
  if (!started_) return fault(kBeforeBoot);
  paused_ = j["state"].get<std::string>() == "Paused";
  if (!paused_ && ctrl_alt_del_pending_) shut_down_ = true;
  return {};
}

HttpResponse FakeFirecracker::instance_info() const {
  const char* state = !started_ ? "Not started" : paused_ ? "Paused" : "Running";
  return ok_json({{"app_name", "Firecracker"},
                  {"id", "anonymous-instance"},
                  {"state", state},
                  {"vmm_version", "1.7.0-fake"}});
}

}  // namespace ember::fakefc
