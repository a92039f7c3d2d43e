// JournalReader on damaged files: a truncated record and a corrupt one stop
// the reading with an error that names the record's offset.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "journal/journal_files.hpp"
#include "journal/journal_reader.hpp"
#include "tests/journal/journal_test_util.hpp"

namespace ember::journal {
namespace {

class JournalReaderTest : public ::testing::Test {
 protected:
  // Writes a header and three records; offsets_[i] is where record i starts.
  void SetUp() override {
    append_delimited(test::test_header(), &bytes_);
    for (uint64_t i = 1; i <= 3; ++i) {
      offsets_.push_back(bytes_.size());
      Record r = test::rpc_record(i, 50);
      r.set_seq(i);
      append_delimited(r, &bytes_);
    }
  }
  void write(const std::string& bytes) { std::ofstream(path_, std::ios::binary) << bytes; }
  // Reads every record; the status of the first failure (or OK) and the count.
  Status read_all(size_t* count) {
    JournalReader reader;
    Status s = reader.open(path_);
    *count = 0;
    if (!s.ok()) return s;
    for (;;) {
      Record r;
      bool end = false;
      s = reader.next(&r, &end);
      if (!s.ok() || end) return s;
      ++*count;
    }
  }

  test::ScratchDir dir_;
  std::string path_ = dir_.path() + "/journal";
  std::string bytes_;
  std::vector<size_t> offsets_;
};

TEST_F(JournalReaderTest, AWholeFileReadsToTheEnd) {
  write(bytes_);
  size_t n = 0;
  EXPECT_TRUE(read_all(&n).ok());
  EXPECT_EQ(n, 3u);
}

TEST_F(JournalReaderTest, ATruncatedRecordNamesItsOffset) {
  write(bytes_.substr(0, bytes_.size() - 5));
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), path_ + ": truncated record at offset " + std::to_string(offsets_[2]));
}

TEST_F(JournalReaderTest, ALengthCutInTheMiddleIsTruncatedToo) {
  std::string cut = bytes_.substr(0, offsets_[1]) + "\x80";  // a varint with more to come
  write(cut);
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(s.message(), path_ + ": truncated record at offset " + std::to_string(offsets_[1]));
}

TEST_F(JournalReaderTest, ACorruptRecordNamesItsOffset) {
  std::string bad = bytes_;
  // Record 2's body starts with a field tag; 0xff... is no valid tag.
  for (size_t i = offsets_[1] + 1; i < offsets_[1] + 6; ++i)
    bad[i] = '\xff';
  write(bad);
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), path_ + ": corrupt record at offset " + std::to_string(offsets_[1]));
}

TEST_F(JournalReaderTest, AnAbsurdLengthIsCorruptNotAnAllocation) {
  std::string bad = bytes_.substr(0, offsets_[2]) + std::string("\xff\xff\xff\xff\x0f", 5);
  write(bad);
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(s.message(), path_ + ": corrupt record at offset " + std::to_string(offsets_[2]));
}

TEST_F(JournalReaderTest, AFileWithoutAHeaderIsNotAJournal) {
  write("");
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_EQ(s.message(), path_ + ": not a journal (no readable header)");
}

TEST_F(JournalReaderTest, AnUnknownFormatVersionIsRefused) {
  Header h = test::test_header();
  h.set_format_version(2);
  std::string bytes;
  append_delimited(h, &bytes);
  write(bytes);
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(s.message(), path_ + ": not a journal (format_version 2)");
}

TEST_F(JournalReaderTest, AMissingFileIsNotFound) {
  size_t n = 0;
  Status s = read_all(&n);
  EXPECT_EQ(s.code(), Code::not_found);
}

}  // namespace
}  // namespace ember::journal
