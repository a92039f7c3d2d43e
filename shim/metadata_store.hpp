#pragma once
// MetadataStore: one VM's metadata document (what Firecracker serves to the
// guest through MMDS). Always a JSON object; every failed change leaves the
// document as it was.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace ember::shim {

class MetadataStore {
 public:
  // Largest document (as compact JSON text) and deepest nesting accepted.
  static constexpr std::size_t kMaxBytes = 1u << 20;
  static constexpr int kMaxDepth = 64;

  MetadataStore();
  ~MetadataStore();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  // Replaces the document with `json_text`, which must be a JSON object.
  // INVALID_ARGUMENT for text that does not parse (with the parser's reason),
  // is not an object, or nests deeper than kMaxDepth; RESOURCE_EXHAUSTED over
  // kMaxBytes.
  Status set(std::string_view json_text);
  // Applies `patch_text`, a JSON object, as an RFC 7396 merge patch: null
  // deletes a key, objects merge recursively, anything else replaces. Same
  // errors as set(), the size limit applying to the result.
  Status update(std::string_view patch_text);
  // The document as compact JSON text; "{}" initially.
  std::string get() const;

 private:
  struct Doc;
  std::unique_ptr<Doc> doc_;  // nlohmann::json behind a pimpl: keeps it out of users
};

}  // namespace ember::shim
