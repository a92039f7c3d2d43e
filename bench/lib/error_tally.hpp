#pragma once
// The failures of a bench phase, grouped by status, for its report.
#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/status.hpp"

namespace ember::bench {

// Failures grouped by status, the first kept whole.
class ErrorTally {
 public:
  void add(const Status& s);
  size_t total() const { return total_; }
  const Status& first() const { return first_; }
  // [{"code":"NOT_FOUND","message":"...","count":3}, ...]: at most 10 kinds.
  nlohmann::ordered_json to_json() const;
  void merge(const ErrorTally& other);

 private:
  static constexpr size_t kMaxKinds = 10;
  size_t total_ = 0;
  Status first_;
  std::map<std::pair<int, std::string>, size_t> kinds_;
};

}  // namespace ember::bench
