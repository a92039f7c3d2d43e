#include "bench/lib/error_tally.hpp"

namespace ember::bench {

void ErrorTally::add(const Status& s) {
  if (total_++ == 0) first_ = s;
  auto key = std::make_pair(static_cast<int>(s.code()), s.message());
  auto it = kinds_.find(key);
  if (it != kinds_.end()) {
    ++it->second;
  } else if (kinds_.size() < kMaxKinds) {
    kinds_.emplace(std::move(key), 1);
  }
}

void ErrorTally::merge(const ErrorTally& other) {
  if (total_ == 0 && other.total_ > 0) first_ = other.first_;
  total_ += other.total_;
  for (const auto& [key, n] : other.kinds_) {
    auto it = kinds_.find(key);
    if (it != kinds_.end()) {
      it->second += n;
    } else if (kinds_.size() < kMaxKinds) {
      kinds_.emplace(key, n);
    }
  }
}

nlohmann::ordered_json ErrorTally::to_json() const {
  auto out = nlohmann::ordered_json::array();
  for (const auto& [key, n] : kinds_) {
    out.push_back(
        {{"code", code_name(static_cast<Code>(key.first))}, {"message", key.second}, {"count", n}});
  }
  return out;
}

}  // namespace ember::bench
