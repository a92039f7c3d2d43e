#include "replay/live/live_report.hpp"

#include <iomanip>
#include <ostream>
#include <string>

namespace ember::replay::live {
namespace {

std::string vm_name(const std::string& ns, const std::string& vm_id) {
  return ns + "/" + (vm_id.empty() ? "-" : vm_id);
}

std::string code_text(int32_t code) {
  return code_name(static_cast<Code>(code));
}

std::string status_text(int32_t code, const std::string& message) {
  return message.empty() ? code_text(code) : code_text(code) + ": " + message;
}

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

nlohmann::ordered_json status_json(int32_t code, const std::string& message) {
  return {{"code", code_text(code)}, {"message", message}};
}

nlohmann::ordered_json tally_json(const Tally& t) {
  return {
      {"sent", t.sent}, {"same", t.same}, {"different", t.different}, {"unrecorded", t.unrecorded}};
}

void print_tally_row(std::ostream& out, const std::string& name, const Tally& t) {
  out << std::left << std::setw(20) << name << std::right << std::setw(8) << t.sent << std::setw(8)
      << t.same << std::setw(11) << t.different << std::setw(12) << t.unrecorded << '\n';
}

}  // namespace

nlohmann::ordered_json report_json(const LiveReport& r) {
  nlohmann::ordered_json j;
  j["journal"] = r.plan.path;
  j["mode"] = r.options.fast ? "fast" : "speed";
  if (!r.options.fast) j["speed"] = r.options.speed;
  j["calls"] = r.plan.calls.size();
  j["vms"] = r.plan.vm_count;
  j["elapsed_seconds"] = seconds(r.result.elapsed);
  j["total"] = tally_json(r.comparison.total);
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();
  for (const MethodTally& m : r.comparison.methods) {
    nlohmann::ordered_json row = {{"method", m.method}};
    row.update(tally_json(m.tally));
    methods.push_back(std::move(row));
  }
  j["methods"] = std::move(methods);
  nlohmann::ordered_json differences = nlohmann::ordered_json::array();
  for (const Difference& d : r.comparison.differences) {
    differences.push_back({{"seq", d.seq},
                           {"rpc_id", d.rpc_id},
                           {"namespace", d.ns},
                           {"vm_id", d.vm_id},
                           {"method", d.method},
                           {"recorded", status_json(d.recorded.code, d.recorded.message)},
                           {"got", status_json(static_cast<int32_t>(d.got.code), d.got.message)}});
  }
  j["differences"] = std::move(differences);
  return j;
}

void print_report(const LiveReport& r, std::ostream& out) {
  const Tally& total = r.comparison.total;
  out << "replayed " << total.sent << " calls of " << r.plan.vm_count << " VMs from " << r.plan.path
      << " in " << std::fixed << std::setprecision(3) << seconds(r.result.elapsed) << " s (";
  if (r.options.fast) {
    out << "--fast)\n";
  } else {
    out << "speed " << std::defaultfloat << r.options.speed << ")\n";
  }
  for (const Difference& d : r.comparison.differences) {
    out << "\nseq " << d.seq << "  " << vm_name(d.ns, d.vm_id) << "  " << d.method << '\n'
        << "  recorded: " << status_text(d.recorded.code, d.recorded.message) << '\n'
        << "  got:      " << status_text(static_cast<int32_t>(d.got.code), d.got.message) << '\n';
  }
  out << '\n'
      << std::left << std::setw(20) << "METHOD" << std::right << std::setw(8) << "SENT"
      << std::setw(8) << "SAME" << std::setw(11) << "DIFFERENT" << std::setw(12) << "UNRECORDED"
      << '\n';
  for (const MethodTally& m : r.comparison.methods)
    print_tally_row(out, m.method, m.tally);
  print_tally_row(out, "total", total);
  if (total.different == 0) {
    out << "\nevery recorded code reproduced\n";
  } else {
    out << '\n' << total.different << " of " << total.sent << " codes differ\n";
  }
}

}  // namespace ember::replay::live
