#pragma once
// FakeFirecracker: Firecracker's REST API (swagger firecracker.yaml) without
// a VM, for tests on machines without /dev/kvm. It keeps the state the API
// exposes and answers as Firecracker does: 204 for a successful PUT/PATCH,
// 200 with a JSON body for GET, 400 with {"fault_message": "..."} for bad
// bodies (see firecracker_fake_schema.hpp), for calls in the wrong state
// (pre-boot only calls after InstanceStart, PATCH /vm before it, ...) and for
// unknown paths or methods. Files named in bodies (kernel, drives, logger and
// metrics paths) are opened as Firecracker opens them.
//
// The "guest" reacts to SendCtrlAltDel by shutting down (Firecracker then
// exits), unless paused (it reacts once resumed) or told to ignore it.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"

namespace ember::fakefc {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
};

struct HttpResponse {
  int status = 204;
  std::string body;  // JSON for 200 and 400
};

struct FakeOptions {
  std::size_t mmds_size_limit = 51200;  // Firecracker's default
  bool ignore_ctrl_alt_del = false;
};

class FakeFirecracker {
 public:
  explicit FakeFirecracker(FakeOptions options = {}) : opt_(options) {}

  HttpResponse handle(const HttpRequest& r);
  // True once the guest shut down: the process should exit with code 0.
  bool guest_shut_down() const { return shut_down_; }

 private:
  using json = nlohmann::json;
  HttpResponse route(const HttpRequest& r, const std::string& path);
  HttpResponse put_logger(const std::string& body);
  HttpResponse put_metrics(const std::string& body);
  HttpResponse put_machine_config(const std::string& body);
  HttpResponse put_boot_source(const std::string& body);
  HttpResponse put_drive(const std::string& id, const std::string& body);
  HttpResponse put_balloon(const std::string& body);
  HttpResponse patch_balloon(const std::string& body);
  HttpResponse get_balloon() const;
  HttpResponse get_balloon_stats() const;
  HttpResponse patch_balloon_stats(const std::string& body);
  HttpResponse put_mmds(const std::string& body);
  // firecracker_fake_net.cpp
  HttpResponse put_network_interface(const std::string& id, const std::string& body);
  HttpResponse put_mmds_config(const std::string& body);
  HttpResponse patch_mmds(const std::string& body);
  HttpResponse put_action(const std::string& body);
  HttpResponse patch_vm(const std::string& body);
  HttpResponse instance_info() const;
  void log(const std::string& line);

  FakeOptions opt_;
  bool started_ = false;
  bool paused_ = false;
  bool ctrl_alt_del_pending_ = false;  // sent while paused
  bool shut_down_ = false;
  UniqueFd log_fd_;
  UniqueFd metrics_fd_;
  int vcpus_ = 1;
  uint64_t mem_mib_ = 128;  // Firecracker's default machine
  bool have_kernel_ = false;
  bool have_root_drive_ = false;
  json drives_ = json::object();
  bool have_balloon_ = false;
  json balloon_;  // as configured: amount_mib, deflate_on_oom, stats_polling_interval_s
  bool mmds_initialized_ = false;
  json mmds_ = json::object();
  json network_interfaces_ = json::object();  // by iface_id, as configured
  json mmds_config_;                          // null until PUT /mmds/config
};

// Helpers for answers, shared with the HTTP layer.
HttpResponse fault(const std::string& message);
HttpResponse ok_json(const nlohmann::json& body);

}  // namespace ember::fakefc
