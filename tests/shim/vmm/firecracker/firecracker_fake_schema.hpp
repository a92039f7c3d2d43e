#pragma once
// Request body checks as Firecracker makes them: it deserializes each body
// with serde into a struct marked deny_unknown_fields, so an unknown field,
// a missing required one, a wrong JSON type, an integer out of its Rust
// type's range or an unknown enum variant is refused with
// "An error occurred when deserializing the json body of a request: <why>."
// (the <why> texts follow serde_json's).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ember::fakefc {

enum class Type { boolean, string, u8, u16, u32, u64, object, variant, strings };

struct Field {
  std::string name;
  Type type;
  bool required = false;
  std::vector<std::string> variants = {};  // for Type::variant
  bool case_insensitive = false;           // variants compared ignoring case
};

using Schema = std::vector<Field>;

// "" if body (JSON text) deserializes into the schema; else the fault message.
// On success *out holds the parsed object.
std::string check_body(const std::string& body, const Schema& schema, nlohmann::json* out);

// "" when limiter (a JSON object) is a RateLimiter (swagger: RateLimiter,
// TokenBucket; used by drives and network interfaces), else the fault text.
std::string check_rate_limiter(const nlohmann::json& limiter);

// The fault text for a deserialization failure.
std::string serde_fault(const std::string& why);

}  // namespace ember::fakefc
