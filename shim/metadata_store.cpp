#include "shim/metadata_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace ember::shim {

struct MetadataStore::Doc {
  nlohmann::json value = nlohmann::json::object();
};

namespace {

// Deepest [ / { nesting of JSON text, counted outside strings. Checked before
// parsing because dumping and merging recurse once per level.
int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string compact(const nlohmann::json& j) {
  // Strings were validated as UTF-8 by the parser; replace is belt and braces
  // so dumping can never throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string too_big(std::size_t bytes) {
  return "metadata of " + std::to_string(bytes) + " bytes exceeds the limit of " +
         std::to_string(MetadataStore::kMaxBytes) + " bytes";
}

// Parses text that must hold one JSON object, within the limits.
Status parse_object(std::string_view text, const char* what, nlohmann::json* out) {
  if (text.size() > MetadataStore::kMaxBytes)
    return Status::ResourceExhausted(too_big(text.size()));
  if (nesting_depth(text) > MetadataStore::kMaxDepth) {
    return Status::InvalidArgument(std::string(what) + " nests deeper than " +
                                   std::to_string(MetadataStore::kMaxDepth) + " levels");
  }
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error for malformed text; out_of_range for a number no double
    // holds (1e400): both are the caller's input.
    return Status::InvalidArgument(std::string(what) + " is not valid JSON: " + e.what());
  }
  if (!parsed.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, not " +
                                   parsed.type_name());
  }
  *out = std::move(parsed);
  return Status::Ok();
}

}  // namespace

MetadataStore::MetadataStore() : doc_(std::make_unique<Doc>()) {}
MetadataStore::~MetadataStore() = default;

Status MetadataStore::set(std::string_view json_text) {
  nlohmann::json parsed;
  Status s = parse_object(json_text, "metadata", &parsed);
  if (!s.ok()) return s;
  // The limit holds for the document as stored: numbers may grow when
  // rewritten (1E5 -> 100000.0).
  const std::size_t bytes = compact(parsed).size();
  if (bytes > kMaxBytes) return Status::ResourceExhausted(too_big(bytes));
  doc_->value = std::move(parsed);
  return Status::Ok();
}

Status MetadataStore::update(std::string_view patch_text) {
  nlohmann::json patch;
  Status s = parse_object(patch_text, "metadata patch", &patch);
  if (!s.ok()) return s;
  nlohmann::json merged = doc_->value;
  merged.merge_patch(patch);
  const std::size_t bytes = compact(merged).size();
  if (bytes > kMaxBytes) return Status::ResourceExhausted(too_big(bytes));
  doc_->value = std::move(merged);
  return Status::Ok();
}

std::string MetadataStore::get() const {
  return compact(doc_->value);
}

}  // namespace ember::shim
