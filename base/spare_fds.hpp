#pragma once
// Spare fds: a few descriptors a process holds open (on /dev/null) so that
// cleanup still works at the fd limit. Removing a directory tree needs an fd
// per level; when open() fails with EMFILE, closing the spares frees slots
// for the cleanup, and they are taken back after it. (Slots freed this way
// can be taken by another thread first; the cleanup then fails as it would
// have without spares.)
#include <functional>

#include "base/status.hpp"

namespace ember {

// Opens the spares if they are not held (at start-up, and again after a
// release whose spares could not all be taken back). Thread-safe.
void reserve_spare_fds();

// Runs fn with the spares closed, then takes them back; one caller at a time.
Status with_spare_fds_released(const std::function<Status()>& fn);

}  // namespace ember
