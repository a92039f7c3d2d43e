#include "shim/jailer_request.hpp"

#include <limits.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "shim/cpu_list.hpp"

namespace ember::shim {
namespace {

// The ids of `wanted` that `online` lacks, or OK.
Status check_online(const std::string& field, const std::string& text, const char* what,
                    const std::vector<int>& wanted, const std::vector<int>& online) {
  std::vector<int> missing;
  std::set_difference(wanted.begin(), wanted.end(), online.begin(), online.end(),
                      std::back_inserter(missing));
  if (missing.empty()) return Status::Ok();
  return Status::InvalidArgument(field + " \"" + text + "\" names " + what + " " +
                                 format_id_list(missing) +
                                 ", not online (online: " + format_id_list(online) + ")");
}

Status parse_set(const std::string& field, const std::string& text, bool cpus,
                 std::vector<int>* out) {
  if (text.empty()) return Status::Ok();
  Status s = parse_id_list(field, text, out);
  std::vector<int> online;
  if (s.ok()) s = cpus ? online_cpus(&online) : online_memory_nodes(&online);
  if (s.ok()) s = check_online(field, text, cpus ? "CPU" : "memory node", *out, online);
  return s;
}

Status check_cgroup_path(const std::string& path) {
  bool ok = path.size() > 1 && path[0] == '/' && path.back() != '/';
  for (size_t start = 1; ok && start < path.size();) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    ok = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("JailerConfig.CgroupPath \"" + path +
                                 "\" must be an absolute path without empty, . or .. parts");
}

Status check_fifo_path(const std::string& field, const std::string& path) {
  const std::string what = field + " \"" + path + "\"";
  if (path.empty() || path[0] != '/' || path.back() == '/') {
    return Status::InvalidArgument(what + " is not an absolute file path");
  }
  if (path.size() >= PATH_MAX) return Status::InvalidArgument(what + " is too long");
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISFIFO(st.st_mode)) return Status::Ok();
    return Status::InvalidArgument(what + " exists and is not a FIFO");
  }
  if (errno != ENOENT) {
    return Status::InvalidArgument(what + " cannot be used: " + std::strerror(errno));
  }
  const std::string dir = path.substr(0, std::max<size_t>(path.rfind('/'), 1));
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(what + ": its directory " + dir + " does not exist");
  }
  return Status::Ok();
}

}  // namespace

Status jail_from_request(const CreateVMRequest& req, VmSpec* spec) {
  if (!req.has_jailerconfig()) return Status::Ok();
  const JailerConfig& j = req.jailerconfig();
  JailSpec jail;
  if (j.uid() != 0 || j.gid() != 0) {
    if (j.uid() == 0 || j.gid() == 0) {
      return Status::InvalidArgument("JailerConfig.UID " + std::to_string(j.uid()) + " and GID " +
                                     std::to_string(j.gid()) +
                                     ": set both to non-zero ids, or neither");
    }
    jail.uid = j.uid();
    jail.gid = j.gid();
  }
  Status s = parse_set("JailerConfig.CPUs", j.cpus(), true, &jail.cpus);
  if (s.ok()) s = parse_set("JailerConfig.Mems", j.mems(), false, &jail.mems);
  if (s.ok() && !j.cgrouppath().empty()) s = check_cgroup_path(j.cgrouppath());
  if (!s.ok()) return s;
  jail.cgroup_path = j.cgrouppath();
  spec->jail = std::move(jail);
  return Status::Ok();
}

Status fifo_paths_from_request(const CreateVMRequest& req, VmSpec* spec) {
  Status s;
  if (!req.logfifopath().empty()) s = check_fifo_path("LogFifoPath", req.logfifopath());
  if (s.ok() && !req.metricsfifopath().empty()) {
    s = check_fifo_path("MetricsFifoPath", req.metricsfifopath());
  }
  if (s.ok() && !req.logfifopath().empty() && req.logfifopath() == req.metricsfifopath()) {
    s = Status::InvalidArgument("MetricsFifoPath \"" + req.metricsfifopath() +
                                "\" is the same as LogFifoPath");
  }
  if (!s.ok()) return s;
  spec->log_fifo = req.logfifopath();
  spec->metrics_fifo = req.metricsfifopath();
  return Status::Ok();
}

}  // namespace ember::shim
