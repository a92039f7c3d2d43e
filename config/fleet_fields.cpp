// The `fleet:` section: each key read as it comes, then the role's
// requirements checked once the whole section is known.
#include "config/fleet_fields.hpp"

#include <cctype>
#include <set>

#include "config/config.hpp"

namespace ember::config {

const char* to_string(FleetRole r) {
  switch (r) {
    case FleetRole::none:
      return "none";
    case FleetRole::member:
      return "member";
    case FleetRole::front:
      return "front";
  }
  return "?";
}

Status split_host_port(const std::string& text, std::string* host, uint16_t* port) {
  const Status bad = Status::InvalidArgument(
      "expected host:port (a name, an IPv4 address or [IPv6], PORT 1-65535), got \"" + text + "\"");
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad;
  std::string h = text.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return bad;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return bad;  // a bare IPv6 address: its port would be ambiguous
  }
  const std::string digits = text.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return bad;
  uint32_t v = 0;
  for (char ch : digits) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return bad;
    v = v * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (v == 0 || v > 65535) return bad;
  *host = std::move(h);
  *port = static_cast<uint16_t>(v);
  return Status::Ok();
}

namespace detail {
namespace {

bool valid_member_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char ch : name)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '-'))
      return false;
  return true;
}

Status read_member_name(const Entry& e, std::string* out) {
  std::string text;
  Status s = read_string(e, &text);
  if (!s.ok()) return s;
  if (!valid_member_name(text))
    return invalid(*e.file, e.mark, e.key,
                   "must be 1 to 63 characters of a-z, 0-9 and -, got \"" + text + "\"");
  *out = std::move(text);
  return Status::Ok();
}

Status read_address(const Entry& e, std::string* out) {
  std::string text;
  Status s = read_string(e, &text);
  if (!s.ok()) return s;
  std::string host;
  uint16_t port = 0;
  s = split_host_port(text, &host, &port);
  if (!s.ok()) return invalid(*e.file, e.mark, e.key, s.message());
  *out = std::move(text);
  return Status::Ok();
}

Handler role_field() {
  return [](const Entry& e, Config* c) {
    static const std::vector<const char*> kNames = {"none", "member", "front"};
    static const FleetRole kValues[] = {FleetRole::none, FleetRole::member, FleetRole::front};
    size_t i = 0;
    Status s = read_choice(e, kNames, &i);
    if (s.ok()) c->fleet.role = kValues[i];
    return s;
  };
}

// One fleet.members[i]: both keys given, name and address unique in the list.
Status read_member(const Entry& e, size_t index, Config* c) {
  if (!e.value.IsMap())
    return invalid(*e.file, e.mark, e.key,
                   "expected a mapping {name, address}, got " + describe(e.value));
  c->fleet.members.emplace_back();
  static const std::vector<Field> kFields = {
      {"name", [](const Entry& f,
                  Config* cc) { return read_member_name(f, &cc->fleet.members.back().name); }},
      {"address", [](const Entry& f,
                     Config* cc) { return read_address(f, &cc->fleet.members.back().address); }},
  };
  Status s = walk_map(*e.file, e.value, e.key, kFields, c);
  if (!s.ok()) return s;
  const FleetMemberEntry& m = c->fleet.members.back();
  if (m.name.empty()) return invalid(*e.file, e.mark, e.key + ".name", "required");
  if (m.address.empty()) return invalid(*e.file, e.mark, e.key + ".address", "required");
  for (size_t j = 0; j < index; ++j) {
    const FleetMemberEntry& other = c->fleet.members[j];
    const std::string was = "fleet.members[" + std::to_string(j) + "]";
    if (other.name == m.name)
      return invalid(*e.file, e.value["name"].Mark(), e.key + ".name",
                     "\"" + m.name + "\" is already the name of " + was);
    if (other.address == m.address)
      return invalid(*e.file, e.value["address"].Mark(), e.key + ".address",
                     "\"" + m.address + "\" is already the address of " + was);
  }
  return Status::Ok();
}

Handler members_field() {
  return [](const Entry& e, Config* c) {
    if (!e.value.IsSequence())
      return invalid(*e.file, e.mark, e.key, "expected a sequence, got " + describe(e.value));
    c->fleet.members.clear();
    for (size_t i = 0; i < e.value.size(); ++i) {
      const YAML::Node item = e.value[i];
      Entry ie{e.file, e.key + "[" + std::to_string(i) + "]", item.IsNull() ? e.mark : item.Mark(),
               item};
      Status s = read_member(ie, i, c);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  };
}

std::vector<Field> tls_fields() {
  return {
      {"ca", [](const Entry& e, Config* c) { return read_path(e, false, &c->fleet.tls.ca); }},
      {"cert", [](const Entry& e, Config* c) { return read_path(e, false, &c->fleet.tls.cert); }},
      {"key", [](const Entry& e, Config* c) { return read_path(e, false, &c->fleet.tls.key); }},
  };
}

std::vector<Field> fleet_fields() {
  return {
      {"role", role_field()},
      {"name", [](const Entry& e, Config* c) { return read_member_name(e, &c->fleet.name); }},
      {"listen", [](const Entry& e, Config* c) { return read_address(e, &c->fleet.listen); }},
      {"members", members_field()},
      {"tls", section(tls_fields())},
      {"report_interval_ms",
       [](const Entry& e, Config* c) {
         return read_uint(e, 10, 3600000, &c->fleet.report_interval_ms);
       }},
      {"member_timeout_ms",
       [](const Entry& e, Config* c) {
         return read_uint(e, 10, 86400000, &c->fleet.member_timeout_ms);
       }},
  };
}

// What the role needs, reported at the `fleet:` key (the missing key has no line).
Status check_role(const Entry& e, const FleetSettings& f) {
  if (f.role == FleetRole::none) return Status::Ok();
  const std::string when = std::string("required when fleet.role is ") + to_string(f.role);
  if (f.role == FleetRole::member && f.name.empty())
    return invalid(*e.file, e.mark, "fleet.name", when);
  if (f.role == FleetRole::member && f.listen.empty())
    return invalid(*e.file, e.mark, "fleet.listen", when);
  if (f.role == FleetRole::front && f.members.empty())
    return invalid(*e.file, e.mark, "fleet.members", when + " (at least one member)");
  if (f.tls.ca.empty()) return invalid(*e.file, e.mark, "fleet.tls.ca", when);
  if (f.tls.cert.empty()) return invalid(*e.file, e.mark, "fleet.tls.cert", when);
  if (f.tls.key.empty()) return invalid(*e.file, e.mark, "fleet.tls.key", when);
  if (f.member_timeout_ms < f.report_interval_ms)
    return invalid(*e.file, e.mark, "fleet.member_timeout_ms",
                   "must be at least fleet.report_interval_ms (" +
                       std::to_string(f.report_interval_ms) + "), got " +
                       std::to_string(f.member_timeout_ms));
  return Status::Ok();
}

}  // namespace

Handler fleet_section() {
  return [fields = fleet_fields()](const Entry& e, Config* c) {
    if (!e.value.IsMap())
      return invalid(*e.file, e.mark, e.key, "expected a mapping, got " + describe(e.value));
    Status s = walk_map(*e.file, e.value, e.key, fields, c);
    return s.ok() ? check_role(e, c->fleet) : s;
  };
}

}  // namespace detail
}  // namespace ember::config
