// fake-firecracker: stands in for the `firecracker` binary where /dev/kvm is
// missing. Takes Firecracker's own options (--api-sock, required;
// --http-api-max-payload-size, --mmds-size-limit, --id) and serves
// Firecracker's API (FakeFirecracker) on the API socket until the guest shuts
// down (SendCtrlAltDel), then exits 0, as Firecracker does.
//
// Test-only options: --record FILE appends every request as a JSON line
// {"method","path","body"} before answering it; --ignore-ctrl-alt-del makes
// the guest ignore SendCtrlAltDel; --pid-file FILE writes the process id.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/shim/vmm/firecracker/firecracker_fake_api.hpp"
#include "tests/shim/vmm/firecracker/firecracker_fake_http.hpp"

namespace {

int usage_error(const std::string& why) {
  std::fprintf(stderr, "fake-firecracker: %s\n", why.c_str());
  return 1;
}

bool write_text(int fd, const std::string& text) {
  return ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ember;
  std::string api_sock, record, pid_file;
  std::size_t max_payload = 51200;
  fakefc::FakeOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--ignore-ctrl-alt-del") {
      options.ignore_ctrl_alt_del = true;
    } else if (!has_value) {
      return usage_error("unknown or incomplete argument " + arg);
    } else if (arg == "--api-sock") {
      api_sock = argv[++i];
    } else if (arg == "--http-api-max-payload-size") {
      max_payload = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--mmds-size-limit") {
      options.mmds_size_limit = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--id") {
      ++i;
    } else if (arg == "--record") {
      record = argv[++i];
    } else if (arg == "--pid-file") {
      pid_file = argv[++i];
    } else {
      return usage_error("unknown argument " + arg);
    }
  }
  if (api_sock.empty()) return usage_error("--api-sock is required");

  UniqueFd record_fd;
  if (!record.empty()) {
    record_fd.reset(::open(record.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!record_fd) return usage_error("cannot open " + record);
  }
  if (!pid_file.empty()) {
    UniqueFd fd(::open(pid_file.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600));
    if (!fd || !write_text(fd.get(), std::to_string(::getpid()) + "\n")) {
      return usage_error("cannot write " + pid_file);
    }
  }

  fakefc::FakeFirecracker api(options);
  fakefc::FakeHttpServer server;
  Status s = server.listen(api_sock, max_payload);
  if (!s.ok()) return usage_error(s.message());
  // Like a VMM that dies, this one leaves its socket file to its owner.
  server.keep_socket_file();
  server.serve(
      [&](const fakefc::HttpRequest& r) {
        if (record_fd) {
          const nlohmann::json line = {{"method", r.method}, {"path", r.path}, {"body", r.body}};
          write_text(record_fd.get(), line.dump() + "\n");
        }
        return api.handle(r);
      },
      [&] { return api.guest_shut_down(); });
  return 0;
}
