#pragma once
// remove_tree: deletes a directory and everything below it without following
// any symlink: a link is removed, never what it points at.
#include <string>

#include "base/status.hpp"

namespace ember {

// OK when the tree is gone (or was never there). A symlink or file at `path`
// itself is left alone: FAILED_PRECONDITION. Works at the fd limit: an empty
// directory needs no fd, and a walk that finds no fd free is retried with the
// spare fds' slots (base/spare_fds.hpp; reserve_spare_fds() at start-up).
Status remove_tree(const std::string& path);

}  // namespace ember
