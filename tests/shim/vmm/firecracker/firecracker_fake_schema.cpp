#include "tests/shim/vmm/firecracker/firecracker_fake_schema.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace ember::fakefc {
namespace {

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += names.size() == 2 ? " or " : ", ";
    out += "`" + names[i] + "`";
  }
  return out;
}

// serde's "invalid type: <unexpected>" wording for a JSON value.
std::string unexpected(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return std::string("boolean `") + (v.get<bool>() ? "true" : "false") + "`";
  if (v.is_number_integer()) return "integer `" + v.dump() + "`";
  if (v.is_number_float()) return "floating point `" + v.dump() + "`";
  if (v.is_string()) return "string " + v.dump();
  if (v.is_array()) return "sequence";
  return "map";
}

uint64_t max_of(Type t) {
  switch (t) {
    case Type::u8:
      return UINT8_MAX;
    case Type::u16:
      return UINT16_MAX;
    case Type::u32:
      return UINT32_MAX;
    default:
      return UINT64_MAX;
  }
}

const char* rust_name(Type t) {
  switch (t) {
    case Type::u8:
      return "u8";
    case Type::u16:
      return "u16";
    case Type::u32:
      return "u32";
    default:
      return "u64";
  }
}

bool same_text(const std::string& a, const std::string& b, bool ignore_case) {
  if (!ignore_case) return a == b;
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string check_value(const Field& f, const nlohmann::json& v) {
  switch (f.type) {
    case Type::boolean:
      if (!v.is_boolean()) return "invalid type: " + unexpected(v) + ", expected a boolean";
      return "";
    case Type::string:
      if (!v.is_string()) return "invalid type: " + unexpected(v) + ", expected a string";
      return "";
    case Type::object:
      if (!v.is_object()) return "invalid type: " + unexpected(v) + ", expected a map";
      return "";
    case Type::strings:
      if (!v.is_array()) return "invalid type: " + unexpected(v) + ", expected a sequence";
      for (const auto& e : v) {
        if (!e.is_string()) return "invalid type: " + unexpected(e) + ", expected a string";
      }
      return "";
    case Type::variant: {
      if (!v.is_string()) return "invalid type: " + unexpected(v) + ", expected a string";
      const auto text = v.get<std::string>();
      for (const auto& name : f.variants) {
        if (same_text(text, name, f.case_insensitive)) return "";
      }
      return "unknown variant `" + text + "`, expected " +
             (f.variants.size() == 2 ? "" : "one of ") + quoted_list(f.variants);
    }
    default:
      break;
  }
  // Unsigned integers.
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    return "invalid value: integer `" + v.dump() + "`, expected " + rust_name(f.type);
  }
  if (!v.is_number_unsigned()) {
    return "invalid type: " + unexpected(v) + ", expected " + rust_name(f.type);
  }
  if (v.get<uint64_t>() > max_of(f.type)) {
    return "invalid value: integer `" + v.dump() + "`, expected " + rust_name(f.type);
  }
  return "";
}

}  // namespace

std::string serde_fault(const std::string& why) {
  return "An error occurred when deserializing the json body of a request: " + why + ".";
}

std::string check_body(const std::string& body, const Schema& schema, nlohmann::json* out) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return serde_fault("expected value at line 1 column 1");
  if (!j.is_object()) return serde_fault("invalid type: " + unexpected(j) + ", expected a struct");
  std::vector<std::string> names;
  for (const auto& f : schema)
    names.push_back(f.name);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
      return serde_fault("unknown field `" + it.key() + "`, expected " +
                         (names.size() == 1 ? "" : "one of ") + quoted_list(names));
    }
  }
  for (const auto& f : schema) {
    if (!j.contains(f.name)) {
      if (f.required) return serde_fault("missing field `" + f.name + "`");
      continue;
    }
    const std::string why = check_value(f, j[f.name]);
    if (!why.empty()) return serde_fault(why);
  }
  *out = std::move(j);
  return "";
}

std::string check_rate_limiter(const nlohmann::json& limiter) {
  nlohmann::json parsed;
  std::string why =
      check_body(limiter.dump(), {{"bandwidth", Type::object}, {"ops", Type::object}}, &parsed);
  for (const char* bucket : {"bandwidth", "ops"}) {
    if (!why.empty() || !parsed.contains(bucket)) continue;
    why = check_body(parsed[bucket].dump(),
                     {{"size", Type::u64, true},
                      {"one_time_burst", Type::u64},
                      {"refill_time", Type::u64, true}},
                     &parsed[bucket]);
  }
  return why;
}

}  // namespace ember::fakefc
