#include "tests/e2e/fleet_cluster.hpp"

#include <poll.h>
#include <sys/inotify.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ember::e2e {
namespace {

using namespace std::chrono_literals;

std::string tls_yaml(const std::string& dir, const std::string& name) {
  return "  tls: {ca: " + dir + "/ca.pem, cert: " + dir + "/" + name + ".pem, key: " + dir + "/" +
         name + ".key}\n";
}

void make_certs(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<std::string> argv = {std::string(EMBER_SOURCE_DIR) + "/deploy/fleet-certs.sh", dir};
  argv.insert(argv.end(), names.begin(), names.end());
  CommandResult r = run_command(argv, 60s);
  if (r.status != 0) throw std::runtime_error("fleet-certs.sh: " + r.output);
}

MemberRow row_of(const nlohmann::json& j) {
  MemberRow row;
  row.name = j.value("Name", "");
  row.address = j.value("Address", "");
  row.state = j.value("State", "");
  row.reason = j.value("Reason", "");
  row.placed_vms = j.value("PlacedVMs", 0u);
  row.reported_vms = j.value("VMs", 0u);
  if (j.contains("Conflicts"))
    for (const auto& c : j["Conflicts"])
      row.conflicts.push_back(c.value("Namespace", "") + "/" + c.value("VMID", ""));
  return row;
}

}  // namespace

CommandResult emberctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {EMBERCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

FleetCluster::FleetCluster(FleetOptions opts) : net_(opts.members) {
  std::vector<std::string> names = {"front"};
  for (int n = 1; n <= opts.members; ++n)
    names.push_back(member_name(n));
  make_certs(certs_.path(), names);
  const std::string other_ca = certs_ / "other";
  std::string front_yaml = "fleet:\n  role: front\n  members:\n";
  for (int n = 1; n <= opts.members; ++n) {
    bool foreign = false;
    for (int f : opts.foreign_ca)
      foreign = foreign || f == n;
    if (foreign) make_certs(other_ca, {member_name(n)});
    EmberdOptions m;
    m.launcher = net_.leaf(n).exec_prefix();
    m.extra_yaml = opts.member_yaml + "fleet:\n  role: member\n  name: " + member_name(n) +
                   "\n  listen: " + member_address(n) + "\n" +
                   tls_yaml(foreign ? other_ca : certs_.path(), member_name(n));
    members_.push_back(std::make_unique<Emberd>(m));
    front_yaml += "    - {name: " + member_name(n) + ", address: " + member_address(n) + "}\n";
  }
  front_yaml += tls_yaml(certs_.path(), "front") +
                "  report_interval_ms: " + std::to_string(opts.report_interval_ms) +
                "\n  member_timeout_ms: " + std::to_string(opts.member_timeout_ms) + "\n";
  EmberdOptions f;
  f.launcher = net_.center().exec_prefix();
  f.extra_yaml = front_yaml;
  front_ = std::make_unique<Emberd>(f);
}

FleetCluster::~FleetCluster() {
  front_.reset();
  members_.clear();
}

std::vector<MemberRow> FleetCluster::member_rows() {
  CommandResult r = emberctl({"--address", front_->socket(), "--json", "fleet", "members"});
  if (r.status != 0) throw std::runtime_error("emberctl fleet members: " + r.output);
  last_rows_ = r.output;
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("fleet members: not JSON: " + r.output);
  const nlohmann::json& list = j["Members"];
  std::vector<MemberRow> rows;
  for (const auto& m : list)
    rows.push_back(row_of(m));
  return rows;
}

bool FleetCluster::wait_members(const std::function<bool(const std::vector<MemberRow>&)>& pred,
                                std::chrono::milliseconds timeout) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  // Watch first, then check: a change between the two is not missed.
  ::inotify_add_watch(in.get(), (front_->root() + "/emberd.log").c_str(), IN_MODIFY);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int round = 0; round < 100000; ++round) {
    if (pred(member_rows())) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{in.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) == 0) return pred(member_rows());
    char buf[4096];
    while (::read(in.get(), buf, sizeof buf) > 0) {
    }
  }
  return false;
}

bool FleetCluster::wait_state(int n, const std::string& state, std::chrono::milliseconds timeout) {
  const std::string name = member_name(n);
  return wait_members(
      [&](const std::vector<MemberRow>& rows) {
        for (const auto& r : rows)
          if (r.name == name) return r.state == state;
        return false;
      },
      timeout);
}

}  // namespace ember::e2e
