#include "base/remove_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

#include "base/errno_status.hpp"
#include "base/spare_fds.hpp"
#include "base/unique_fd.hpp"

namespace ember {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
using Dir = std::unique_ptr<DIR, DirCloser>;

// Names in the directory (without . and ..), each with whether it is a real
// directory (a symlink to one is not). Read fully before anything is deleted.
Status list_entries(DIR* dir, const std::string& path,
                    std::vector<std::pair<std::string, bool>>* out) {
  for (;;) {
    errno = 0;
    dirent* ent = ::readdir(dir);
    if (ent == nullptr) break;
    std::string name = ent->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = ent->d_type == DT_DIR;
    if (ent->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return errno_status("stat " + path + "/" + name, errno);
      }
      is_dir = S_ISDIR(st.st_mode);
    }
    out->emplace_back(std::move(name), is_dir);
  }
  if (errno != 0) return errno_status("list " + path, errno);
  return Status::Ok();
}

// Takes fd (the open directory at path): one fd per level, so that the
// spares (base/spare_fds.hpp) suffice at the fd limit.
Status remove_contents(UniqueFd fd, const std::string& path) {
  Dir dir(::fdopendir(fd.get()));
  if (!dir) return errno_status("list " + path, errno);
  fd.release();  // the DIR owns it now
  std::vector<std::pair<std::string, bool>> entries;
  Status s = list_entries(dir.get(), path, &entries);
  if (!s.ok()) return s;
  const int dir_fd = ::dirfd(dir.get());
  for (const auto& [name, is_dir] : entries) {
    std::string child = path + "/" + name;
    if (is_dir) {
      // O_NOFOLLOW: if the entry was swapped for a symlink since it was listed,
      // the open fails instead of descending into the link's target.
      UniqueFd sub(::openat(dir_fd, name.c_str(), kDirFlags));
      if (!sub) {
        if (errno == ENOENT) continue;
        return errno_status("open " + child, errno);
      }
      s = remove_contents(std::move(sub), child);
      if (!s.ok()) return s;
    }
    if (::unlinkat(dir_fd, name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT) {
      return errno_status("remove " + child, errno);
    }
  }
  return Status::Ok();
}

Status remove_walk(const std::string& path) {
  UniqueFd dir(::open(path.c_str(), kDirFlags));
  if (!dir) {
    int err = errno;
    if (err == ENOENT) return Status::Ok();
    if (err == ELOOP || err == ENOTDIR) {
      return Status::FailedPrecondition("remove " + path +
                                        ": not a directory (a symlink or file); left in place");
    }
    return errno_status("remove " + path, err);
  }
  Status s = remove_contents(std::move(dir), path);
  if (!s.ok()) return s;
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return errno_status("remove " + path, errno);
  return Status::Ok();
}

}  // namespace

Status remove_tree(const std::string& path) {
  // An empty directory (a create that failed early) goes without any fd:
  // the common case at the fd limit. rmdir never follows a final symlink.
  if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  Status s = remove_walk(path);
  // Out of fds (EMFILE, ENFILE): once more with the spares' slots.
  if (s.code() == Code::resource_exhausted)
    s = with_spare_fds_released([&path] { return remove_walk(path); });
  return s;
}

}  // namespace ember
