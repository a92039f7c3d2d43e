#include "base/errno_status.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace ember {

Status errno_status(std::string_view what, int err) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ESRCH:
      return Status::NotFound(std::move(message));
    case EEXIST:
      return Status::AlreadyExists(std::move(message));
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(std::move(message));
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENOTEMPTY:
    case ENOEXEC:
    case EROFS:
    case ETXTBSY:
      return Status::FailedPrecondition(std::move(message));
    case ENAMETOOLONG:
      return Status::InvalidArgument(std::move(message));
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case EMLINK:
    case EFBIG:
    case ENOMEM:
    case EAGAIN:
      return Status::ResourceExhausted(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

// Here rather than in status.cpp: one mapping, whichever name the caller uses.
Status Status::FromErrno(std::string_view what, int err) {
  return errno_status(what, err);
}

}  // namespace ember
