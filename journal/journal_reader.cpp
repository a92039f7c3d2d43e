#include "journal/journal_reader.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>

#include "base/errno_status.hpp"
#include "base/unique_fd.hpp"

namespace ember::journal {

namespace pio = google::protobuf::io;

// Records are bounded: a length past this is corruption, not a record.
constexpr uint32_t kMaxRecordBytes = 8u << 20;

struct JournalReader::File {
  UniqueFd fd;
  std::unique_ptr<pio::FileInputStream> stream;
};

JournalReader::JournalReader() = default;
JournalReader::~JournalReader() = default;

namespace {

enum class ReadResult { ok, end, truncated, corrupt };

// One length-delimited message. `end`: no byte at all before EOF.
template <class Message>
ReadResult read_delimited(pio::ZeroCopyInputStream* in, Message* out, uint64_t* consumed) {
  const void* data = nullptr;
  int available = 0;
  do {
    if (!in->Next(&data, &available)) return ReadResult::end;
  } while (available == 0);
  in->BackUp(available);
  pio::CodedInputStream coded(in);
  uint32_t size = 0;
  const int64_t before = coded.CurrentPosition();
  if (!coded.ReadVarint32(&size)) return ReadResult::truncated;
  if (size > kMaxRecordBytes) return ReadResult::corrupt;
  auto limit = coded.PushLimit(static_cast<int>(size));
  std::string bytes;
  if (!coded.ReadString(&bytes, static_cast<int>(size))) return ReadResult::truncated;
  coded.PopLimit(limit);
  *consumed = static_cast<uint64_t>(coded.CurrentPosition() - before);
  return out->ParseFromString(bytes) ? ReadResult::ok : ReadResult::corrupt;
}

}  // namespace

Status JournalReader::open(const std::string& path) {
  path_ = path;
  file_ = std::make_unique<File>();
  file_->fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file_->fd.valid()) return errno_status(path, errno);
  file_->stream = std::make_unique<pio::FileInputStream>(file_->fd.get());
  uint64_t used = 0;
  ReadResult r = read_delimited(file_->stream.get(), &header_, &used);
  if (r != ReadResult::ok)
    return Status::InvalidArgument(path + ": not a journal (no readable header)");
  if (header_.format_version() != 1)
    return Status::InvalidArgument(path + ": not a journal (format_version " +
                                   std::to_string(header_.format_version()) + ")");
  offset_ = used;
  return Status::Ok();
}

Status JournalReader::next(Record* out, bool* end) {
  *end = false;
  if (!file_ || !file_->stream) return Status::FailedPrecondition(path_ + ": not open");
  uint64_t used = 0;
  switch (read_delimited(file_->stream.get(), out, &used)) {
    case ReadResult::ok:
      offset_ += used;
      return Status::Ok();
    case ReadResult::end:
      *end = true;
      return Status::Ok();
    case ReadResult::truncated:
      file_->stream.reset();
      return Status::InvalidArgument(path_ + ": truncated record at offset " +
                                     std::to_string(offset_));
    case ReadResult::corrupt:
      break;
  }
  file_->stream.reset();
  return Status::InvalidArgument(path_ + ": corrupt record at offset " + std::to_string(offset_));
}

}  // namespace ember::journal
