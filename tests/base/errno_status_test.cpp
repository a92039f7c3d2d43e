#include "base/errno_status.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace ember {
namespace {

TEST(ErrnoStatusTest, MapsErrnoToWhatTheCallerCanDo) {
  EXPECT_EQ(errno_status("x", ENOENT).code(), Code::not_found);
  EXPECT_EQ(errno_status("x", ESRCH).code(), Code::not_found);
  EXPECT_EQ(errno_status("x", EEXIST).code(), Code::already_exists);
  EXPECT_EQ(errno_status("x", EACCES).code(), Code::permission_denied);
  EXPECT_EQ(errno_status("x", EPERM).code(), Code::permission_denied);
  EXPECT_EQ(errno_status("x", ENOTDIR).code(), Code::failed_precondition);
  EXPECT_EQ(errno_status("x", ELOOP).code(), Code::failed_precondition);
  EXPECT_EQ(errno_status("x", ENAMETOOLONG).code(), Code::invalid_argument);
  EXPECT_EQ(errno_status("x", EMFILE).code(), Code::resource_exhausted);
  EXPECT_EQ(errno_status("x", ENOSPC).code(), Code::resource_exhausted);
  EXPECT_EQ(errno_status("x", EIO).code(), Code::internal);
}

TEST(ErrnoStatusTest, ExhaustionAndReadOnlyErrorsMapAsIssue12Asks) {
  for (int err : {ENOSPC, EDQUOT, EMFILE, ENFILE, ENOMEM, EAGAIN, EMLINK, EFBIG})
    EXPECT_EQ(errno_status("x", err).code(), Code::resource_exhausted) << err;
  for (int err : {EROFS, ETXTBSY, ENOTEMPTY, ENOEXEC})
    EXPECT_EQ(errno_status("x", err).code(), Code::failed_precondition) << err;
}

TEST(ErrnoStatusTest, MessageIsWhatThenStrerror) {
  EXPECT_EQ(errno_status("open /a", ENOENT).message(), "open /a: No such file or directory");
}

TEST(ErrnoStatusTest, StatusFromErrnoIsTheSameMapping) {
  for (int err : {ENOENT, EEXIST, EACCES, ENOTDIR, ENAMETOOLONG, EMFILE, EIO})
    EXPECT_EQ(Status::FromErrno("open /a", err), errno_status("open /a", err)) << err;
}

}  // namespace
}  // namespace ember
