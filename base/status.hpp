#pragma once
// Status: a google.rpc code plus a message. Every layer of ember reports failures
// with it; it becomes a ttrpc response status only at the edge.
#include <string>
#include <string_view>
#include <utility>

#include "base/utf8_text.hpp"

namespace ember {

// google.rpc.Code numbers, as carried on the wire.
enum class Code : int {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
};

// "NOT_FOUND" for Code::not_found; "CODE(<n>)" for numbers outside the enum.
std::string code_name(Code c);
// Inverse of code_name for the 15 known names; false if unknown.
bool code_from_name(std::string_view name, Code* out);

class Status {
 public:
  Status() = default;
  // The message is made valid UTF-8 here (base/utf8_text.hpp): it may quote
  // foreign text, and it ends up in a protobuf string field.
  Status(Code code, std::string message) : code_(code), message_(valid_utf8(std::move(message))) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::invalid_argument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::not_found, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::already_exists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {Code::failed_precondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {Code::resource_exhausted, std::move(m)};
  }
  static Status DeadlineExceeded(std::string m) { return {Code::deadline_exceeded, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::unimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::internal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::unavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::permission_denied, std::move(m)}; }
  static Status Unknown(std::string m) { return {Code::unknown, std::move(m)}; }
  // A failed syscall: the same as errno_status(what, err) (base/errno_status.hpp),
  // the one errno mapping, and defined beside it.
  static Status FromErrno(std::string_view what, int err);

  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: VM vm1 not found", or "OK".
  std::string ToString() const;

 private:
  Code code_ = Code::ok;
  std::string message_;
};

inline bool operator==(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}

}  // namespace ember
