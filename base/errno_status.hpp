#pragma once
// errno_status: a failed syscall as a Status whose code says what the caller
// can do about it (NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, ...). The one
// errno mapping in ember: Status::FromErrno is the same function.
#include <string_view>

#include "base/status.hpp"

namespace ember {

// "<what>: <strerror(err)>" with the code matching err; INTERNAL when none does.
Status errno_status(std::string_view what, int err);

}  // namespace ember
