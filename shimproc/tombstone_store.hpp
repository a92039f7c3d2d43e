#pragma once
// TombstoneStore: the directory of VM tombstones, <dir>/<namespace>/<VM
// id>-<exit time, Unix ms>.json, kept within two bounds: a count per
// namespace and a byte total over all namespaces, the oldest removed first.
// emberd is its only writer: the directory is scanned once, on the first
// keep, and the index is kept in memory from then on. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/status.hpp"

namespace ember::shimproc {

struct TombstoneBounds {
  uint32_t max_per_namespace = 32;  // 0: keep none
  uint64_t max_bytes = uint64_t{16} << 20;
};

class TombstoneStore {
 public:
  TombstoneStore(std::string dir, TombstoneBounds bounds);

  // Writes the tombstone (0600, a temporary file renamed into place; the
  // directories made 0700 as needed), then removes the oldest past the
  // bounds. *path: the file written.
  Status keep(const std::string& ns, const std::string& id, int64_t exited_ms,
              const std::string& text, std::string* path);

  // The tombstones of ns/id, newest first: only the newest unless all.
  // NOT_FOUND when there is none; INVALID_ARGUMENT for a bad ns or id.
  static Status read(const std::string& dir, const std::string& ns, const std::string& id, bool all,
                     std::vector<std::string>* texts);

 private:
  using Key = std::tuple<int64_t, std::string, std::string>;  // exit ms, ns, file name
  void scan();
  void remove(const Key& k);
  void prune(const std::string& ns);

  const std::string dir_;
  const TombstoneBounds bounds_;
  std::mutex mu_;
  bool scanned_ = false;
  std::map<Key, uint64_t> files_;  // every tombstone, oldest first, with its size
  std::map<std::string, uint32_t> per_ns_;
  uint64_t total_bytes_ = 0;
};

// The exit time a tombstone's file name carries for VM id; -1 if the name is
// not one of that VM's ("" id: any VM's).
int64_t tombstone_time(const std::string& name, const std::string& id);

}  // namespace ember::shimproc
