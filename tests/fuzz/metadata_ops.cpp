#include "tests/fuzz/metadata_ops.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "shim/metadata_store.hpp"

namespace ember::fuzz {
namespace {

using nlohmann::json;
using shim::MetadataStore;

// The store's answer for a document, computed independently of the store.
std::string compact(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// RFC 7396, written from the RFC's pseudo-code: the oracle for update().
json merge_patch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      json current = target.contains(it.key()) ? target[it.key()] : json();
      target[it.key()] = merge_patch(std::move(current), *it);
    }
  }
  return target;
}

// Deepest array/object nesting of a parsed value (a scalar is 0).
int depth_of(const json& j) {
  int deepest = 0;
  if (j.is_structured()) {
    for (const auto& child : j)
      deepest = std::max(deepest, depth_of(child));
    return deepest + 1;
  }
  return 0;
}

// Parses text the way the store documents it: a JSON object within
// kMaxBytes and kMaxDepth. Returns false for text the store must refuse.
bool acceptable_object(std::string_view text, json* out) {
  if (text.size() > MetadataStore::kMaxBytes) return false;
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return false;
  if (depth_of(parsed) > MetadataStore::kMaxDepth) return false;
  *out = std::move(parsed);
  return true;
}

bool documented_failure(Code c) {
  return c == Code::invalid_argument || c == Code::resource_exhausted;
}

std::string describe(const char* op, std::string_view text, const std::string& what) {
  std::string shown(text.substr(0, 200));
  return std::string(op) + "(" + shown + (text.size() > 200 ? "..." : "") + "): " + what;
}

class Replay {
 public:
  explicit Replay(KnownBugs known) : known_(known) {}

  // One operation; "" when the store kept its promises.
  std::string apply(uint8_t op, std::string_view text) {
    switch (op % 3) {
      case 0:
        return set(text);
      case 1:
        return update(text);
      default:
        return get();
    }
  }

 private:
  // Runs a store operation; an exception is a broken promise (the store
  // answers with a Status), except the tolerated known bug.
  template <class Op>
  Status guarded(Op op, std::string* thrown) {
    try {
      return op();
    } catch (const json::out_of_range& e) {
      if (known_ == KnownBugs::tolerate_number_overflow && e.id == 406)
        return Status::InvalidArgument(e.what());
      *thrown = std::string("threw ") + e.what();
    } catch (const std::exception& e) {
      *thrown = std::string("threw ") + e.what();
    }
    return Status::Internal(*thrown);
  }

  std::string set(std::string_view text) {
    const std::string before = store_.get();
    std::string thrown;
    Status s = guarded([&] { return store_.set(text); }, &thrown);
    if (!thrown.empty()) return describe("set", text, thrown);
    json parsed;
    if (!s.ok()) {
      if (!documented_failure(s.code())) return describe("set", text, s.ToString());
      if (store_.get() != before) return describe("set", text, "failed set changed the document");
      return {};
    }
    if (!acceptable_object(text, &parsed))
      return describe("set", text, "accepted text that is not a JSON object within the limits");
    if (store_.get() != compact(parsed)) return describe("set", text, "get() is not the text set");
    return check_document("set", text);
  }

  std::string update(std::string_view text) {
    const std::string before = store_.get();
    std::string thrown;
    Status s = guarded([&] { return store_.update(text); }, &thrown);
    if (!thrown.empty()) return describe("update", text, thrown);
    if (!s.ok()) {
      if (!documented_failure(s.code())) return describe("update", text, s.ToString());
      if (store_.get() != before)
        return describe("update", text, "failed update changed the document");
      return {};
    }
    json patch;
    if (!acceptable_object(text, &patch))
      return describe("update", text, "accepted a patch that is not a JSON object within limits");
    json expected = merge_patch(json::parse(before), patch);
    if (store_.get() != compact(expected))
      return describe("update", text, "result differs from RFC 7396: " + store_.get());
    return check_document("update", text);
  }

  std::string get() { return check_document("get", ""); }

  // What holds for every document the store ever holds.
  std::string check_document(const char* op, std::string_view text) {
    const std::string doc = store_.get();
    if (doc.size() > MetadataStore::kMaxBytes)
      return describe(op, text,
                      "document of " + std::to_string(doc.size()) + " bytes is over the limit");
    json parsed = json::parse(doc, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      return describe(op, text, "get() is not a JSON object: " + doc.substr(0, 200));
    // The store must take its own output back unchanged.
    MetadataStore copy;
    Status s = copy.set(doc);
    if (!s.ok()) return describe(op, text, "get() output refused by set(): " + s.ToString());
    if (copy.get() != doc) return describe(op, text, "get() output does not round-trip");
    return {};
  }

  KnownBugs known_;
  MetadataStore store_;
};

}  // namespace

std::string replay_metadata_ops(const uint8_t* data, size_t size, KnownBugs known) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Replay replay(known);
  while (!input.empty()) {
    size_t end = input.find('\0');
    std::string_view record = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (record.empty()) continue;
    std::string broken = replay.apply(static_cast<uint8_t>(record[0]), record.substr(1));
    if (!broken.empty()) return broken;
  }
  return {};
}

}  // namespace ember::fuzz
