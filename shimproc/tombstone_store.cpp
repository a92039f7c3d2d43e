#include "shimproc/tombstone_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "base/errno_status.hpp"
#include "base/files.hpp"
#include "base/ids.hpp"
#include "base/unique_fd.hpp"

namespace ember::shimproc {
namespace {

constexpr const char* kSuffix = ".json";

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  return errno_status("mkdir " + path, errno);
}

Status write_new_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return errno_status("create " + tmp, errno);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::unlink(tmp.c_str());
      return errno_status("write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  fd.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return errno_status("rename " + tmp, err);
  }
  return Status::Ok();
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

int64_t tombstone_time(const std::string& name, const std::string& id) {
  const size_t suffix = std::string(kSuffix).size();
  if (name.size() <= suffix || name.compare(name.size() - suffix, suffix, kSuffix) != 0) return -1;
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0) return -1;
  if (!id.empty() && name.compare(0, dash, id) != 0) return -1;
  const std::string digits = name.substr(dash + 1, name.size() - suffix - dash - 1);
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

TombstoneStore::TombstoneStore(std::string dir, TombstoneBounds bounds)
    : dir_(std::move(dir)), bounds_(bounds) {}

void TombstoneStore::scan() {
  scanned_ = true;
  for (const auto& ns : list_dir(dir_)) {
    if (!validate_identifier(ns, "namespace").ok()) continue;
    for (const auto& name : list_dir(dir_ + "/" + ns)) {
      const int64_t ms = tombstone_time(name, "");
      if (ms < 0) continue;
      const uint64_t bytes = file_size(dir_ + "/" + ns + "/" + name);
      files_.emplace(Key{ms, ns, name}, bytes);
      ++per_ns_[ns];
      total_bytes_ += bytes;
    }
  }
}

void TombstoneStore::remove(const Key& k) {
  auto i = files_.find(k);
  if (i == files_.end()) return;
  const std::string& ns = std::get<1>(k);
  ::unlink((dir_ + "/" + ns + "/" + std::get<2>(k)).c_str());  // already gone: as good
  total_bytes_ -= i->second;
  if (--per_ns_[ns] == 0) per_ns_.erase(ns);
  files_.erase(i);
}

void TombstoneStore::prune(const std::string& ns) {
  while (per_ns_.count(ns) && per_ns_[ns] > bounds_.max_per_namespace) {
    auto oldest = std::find_if(files_.begin(), files_.end(),
                               [&](const auto& f) { return std::get<1>(f.first) == ns; });
    remove(oldest->first);
  }
  // The newest tombstone stays even when it alone is past the byte bound.
  while (total_bytes_ > bounds_.max_bytes && files_.size() > 1)
    remove(files_.begin()->first);
}

Status TombstoneStore::keep(const std::string& ns, const std::string& id, int64_t exited_ms,
                            const std::string& text, std::string* path) {
  if (bounds_.max_per_namespace == 0) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (!scanned_) scan();
  Status s = make_dir(dir_);
  if (s.ok()) s = make_dir(dir_ + "/" + ns);
  if (!s.ok()) return s;
  const std::string name = id + "-" + std::to_string(exited_ms) + kSuffix;
  *path = dir_ + "/" + ns + "/" + name;
  s = write_new_file(*path, text);
  if (!s.ok()) return s;
  const Key key{exited_ms, ns, name};
  if (auto i = files_.find(key); i != files_.end()) {  // replaced in the same ms
    total_bytes_ -= i->second;
    --per_ns_[ns];
    files_.erase(i);
  }
  files_.emplace(key, text.size());
  ++per_ns_[ns];
  total_bytes_ += text.size();
  prune(ns);
  return Status::Ok();
}

Status TombstoneStore::read(const std::string& dir, const std::string& ns, const std::string& id,
                            bool all, std::vector<std::string>* texts) {
  if (Status s = validate_identifier(ns, "namespace"); !s.ok()) return s;
  if (Status s = validate_identifier(id, "VM id"); !s.ok()) return s;
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& name : list_dir(dir + "/" + ns)) {
    const int64_t ms = tombstone_time(name, id);
    if (ms >= 0) found.emplace_back(ms, name);
  }
  std::sort(found.rbegin(), found.rend());
  if (!all && found.size() > 1) found.resize(1);
  texts->clear();
  for (const auto& f : found) {
    std::string text;
    if (read_file(dir + "/" + ns + "/" + f.second, &text).ok()) texts->push_back(std::move(text));
  }
  if (texts->empty()) return Status::NotFound("no tombstone for VM " + id + " in namespace " + ns);
  return Status::Ok();
}

}  // namespace ember::shimproc
