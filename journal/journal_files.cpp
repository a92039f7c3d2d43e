#include "journal/journal_files.hpp"

#include <google/protobuf/io/coded_stream.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>

#include "base/errno_status.hpp"

namespace ember::journal {

void append_delimited(const google::protobuf::MessageLite& message, std::string* out) {
  const size_t size = message.ByteSizeLong();
  uint8_t prefix[10];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(size), prefix);
  out->append(reinterpret_cast<const char*>(prefix), static_cast<size_t>(end - prefix));
  const size_t at = out->size();
  out->resize(at + size);
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&(*out)[at]));
}

JournalFiles::JournalFiles(std::string path, uint64_t max_bytes, uint32_t max_files, Header header)
    : path_(std::move(path)),
      max_bytes_(max_bytes),
      max_files_(max_files < 1 ? 1 : max_files),
      header_(std::move(header)) {}

uint64_t JournalFiles::room_in_new_file() const {
  // The next file's header: file_index one up, never smaller than this one.
  Header next = header_;
  next.set_file_index(header_.file_index() + 1);
  const uint64_t header_bytes = next.ByteSizeLong() + 5;  // + the longest length prefix
  return max_bytes_ > header_bytes ? max_bytes_ - header_bytes : 0;
}

Status JournalFiles::open() {
  if (::access(path_.c_str(), F_OK) == 0) {
    Status s = shift_old_files();
    if (!s.ok()) return s;
  }
  return start_file();
}

Status JournalFiles::write(std::string_view records) {
  size_t done = 0;
  while (done < records.size()) {
    ssize_t n = ::write(fd_.get(), records.data() + done, records.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write " + path_, errno);
    done += static_cast<size_t>(n);
  }
  size_ += records.size();
  return Status::Ok();
}

Status JournalFiles::rotate() {
  fd_.reset();
  Status s = shift_old_files();
  if (!s.ok()) return s;
  header_.set_file_index(header_.file_index() + 1);
  return start_file();
}

// path.<max_files - 1> goes, path.i becomes path.<i + 1>, path becomes path.1.
// With max_files 1 the current file is simply replaced.
Status JournalFiles::shift_old_files() {
  if (max_files_ == 1) {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
      return errno_status("unlink " + path_, errno);
    return Status::Ok();
  }
  const std::string oldest = numbered(max_files_ - 1);
  if (::unlink(oldest.c_str()) != 0 && errno != ENOENT)
    return errno_status("unlink " + oldest, errno);
  for (uint32_t i = max_files_ - 1; i > 1; --i) {
    const std::string from = numbered(i - 1);
    if (std::rename(from.c_str(), numbered(i).c_str()) != 0 && errno != ENOENT)
      return errno_status("rename " + from, errno);
  }
  if (std::rename(path_.c_str(), numbered(1).c_str()) != 0 && errno != ENOENT)
    return errno_status("rename " + path_, errno);
  return Status::Ok();
}

Status JournalFiles::start_file() {
  fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
  if (!fd_) return errno_status("open " + path_, errno);
  size_ = 0;
  std::string bytes;
  append_delimited(header_, &bytes);
  return write(bytes);
}

}  // namespace ember::journal
