#pragma once
// The Firecracker REST API as the firecracker backend speaks it (Firecracker's
// swagger definition, src/firecracker/swagger/firecracker.yaml): each call's
// method, path and JSON body, and what an answer means. Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "shim/vmm/vmm.hpp"

namespace ember::shim::firecracker {

struct ApiCall {
  std::string method;  // GET, PUT or PATCH
  std::string path;    // "/machine-config"
  std::string body;    // JSON text; "" for GET
  std::string what() const { return method + " " + path; }
};

// The drive id of the root drive (Firecracker ids: alphanumerics and '_').
inline constexpr const char* kRootDriveId = "rootfs";

// `level` is one of Firecracker's logger levels (see logger_level).
ApiCall put_logger(const std::string& log_path, const std::string& level);
ApiCall put_metrics(const std::string& metrics_path);
ApiCall put_machine_config(const VmSpec& spec);
ApiCall put_boot_source(const VmSpec& spec);
// The spec's root drive as drive kRootDriveId; call only when it has one.
ApiCall put_root_drive(const VmSpec& spec);
// DriveMounts[index] as drive "drive<index + 1>", not a root device.
ApiCall put_drive_mount(const DriveSpec& drive, std::size_t index);
// StaticConfig interface `index` as iface_id "<index + 1>", the reference's ids.
ApiCall put_network_interface(const NetworkInterfaceSpec& iface, std::size_t index);
// MMDS (version V1, the reference's default) reachable from the interfaces
// with AllowMMDS; call only when there is one.
ApiCall put_mmds_config(const std::vector<NetworkInterfaceSpec>& ifaces);
ApiCall put_balloon(const BalloonDevice& device);
ApiCall patch_balloon(int64_t amount_mib);
ApiCall get_balloon();
ApiCall get_balloon_statistics();
ApiCall patch_balloon_statistics(int64_t polling_interval_s);
// json: a JSON object's text, sent as it is.
ApiCall put_mmds(const std::string& json);
ApiCall patch_mmds(const std::string& json);
ApiCall get_mmds();
ApiCall instance_start();
ApiCall send_ctrl_alt_del();
ApiCall patch_vm(bool paused);
ApiCall get_instance_info();

// Firecracker's logger level for an spdlog level name (trace ... off).
std::string logger_level(const std::string& spdlog_level);

// What Firecracker's answer to `call` means. 2xx: OK. Otherwise the message
// is "firecracker <METHOD> <path>: <fault_message>" (the raw body when it has
// no fault_message) and the code: for 400, FAILED_PRECONDITION when the fault
// is about the VM's state (before/after boot, no balloon, statistics off,
// MMDS not initialized), RESOURCE_EXHAUSTED for a size limit, else
// INVALID_ARGUMENT; 404 NOT_FOUND; anything else INTERNAL.
Status status_of(const ApiCall& call, long http_status, const std::string& body);

// GET /balloon/statistics: the figures Firecracker reports (absent optional
// ones are 0; memory figures are bytes in both APIs). INTERNAL naming the
// problem when the body is not such an object.
Status parse_balloon_stats(const std::string& body, BalloonStats* out);
// GET /: the instance's "state" ("Not started", "Running", "Paused").
Status parse_instance_state(const std::string& body, std::string* state);
// A JSON object's text in compact form (as the shim's MetadataStore prints it).
Status compact_json_object(const std::string& body, std::string* out);

}  // namespace ember::shim::firecracker
