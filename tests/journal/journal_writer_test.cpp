// JournalWriter against real files: round trip through JournalReader,
// rotation bounds, the bounded queue's drop-and-count, runtime control.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "journal/journal_writer.hpp"
#include "tests/journal/journal_test_util.hpp"

namespace ember::journal {
namespace {

using test::read_journal;
using test::rpc_entry;

class JournalWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<JournalWriter> start(uint64_t max_bytes = 1 << 20, uint32_t max_files = 4,
                                       size_t queue = 1024) {
    WriterOptions o;
    o.path = path_;
    o.max_bytes = max_bytes;
    o.max_files = max_files;
    o.queue_records = queue;
    std::unique_ptr<JournalWriter> w;
    Status s = JournalWriter::start(o, header_, &w);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return w;
  }

  test::ScratchDir dir_;
  std::string path_ = dir_.path() + "/journal";
  Header header_ = test::test_header();
};

TEST_F(JournalWriterTest, RecordsFromManyThreadsReadBackInSeqOrder) {
  auto w = start();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 250; ++i)
        w->append(rpc_entry(static_cast<uint64_t>(t * 1000 + i)));
    });
  for (auto& t : threads)
    t.join();
  w->flush();
  WriterStats st = w->stats();
  EXPECT_EQ(st.records_written, 1000u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(st.files, 1u);
  EXPECT_EQ(st.bytes, test::file_size(path_));
  w.reset();

  auto back = read_journal(path_);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  EXPECT_EQ(back.header.ember_version(), "0.1.0-test");
  EXPECT_EQ(back.header.settings().max_vms(), 7u);
  EXPECT_EQ(back.header.file_index(), 0u);
  ASSERT_EQ(back.records.size(), 1000u);
  int64_t last_mono = 0;
  for (size_t i = 0; i < back.records.size(); ++i) {
    const Record& r = back.records[i];
    EXPECT_EQ(r.seq(), i + 1);
    EXPECT_GE(r.mono_nanos(), last_mono);
    last_mono = r.mono_nanos();
    EXPECT_EQ(r.dropped_before(), 0u);
    ASSERT_TRUE(r.has_rpc());
    EXPECT_EQ(r.rpc().payload(), std::string(10, 'x'));
  }
}

TEST_F(JournalWriterTest, RotationKeepsTheJournalWithinMaxBytesTimesMaxFiles) {
  const uint64_t max_bytes = 4096;
  const uint32_t max_files = 3;
  auto w = start(max_bytes, max_files);
  for (uint64_t i = 1; i <= 1000; ++i)
    w->append(rpc_entry(i, 100));
  w.reset();

  uint64_t total = 0;
  std::vector<std::string> files = {path_ + ".2", path_ + ".1", path_};
  uint64_t next_seq = 0;
  uint32_t last_index = 0;
  for (const auto& f : files) {
    uint64_t size = test::file_size(f);
    EXPECT_LE(size, max_bytes) << f;
    total += size;
    auto back = read_journal(f);
    ASSERT_TRUE(back.status.ok()) << back.status.ToString();
    ASSERT_FALSE(back.records.empty()) << f;
    if (next_seq != 0) {  // consecutive files, consecutive records
      EXPECT_EQ(back.records.front().seq(), next_seq) << f;
      EXPECT_EQ(back.header.file_index(), last_index + 1) << f;
    }
    next_seq = back.records.back().seq() + 1;
    last_index = back.header.file_index();
  }
  EXPECT_LE(total, max_bytes * max_files);
  EXPECT_EQ(next_seq, 1001u);  // the newest file ends with the last record
  EXPECT_FALSE(std::ifstream(path_ + ".3").good()) << "a file beyond max_files was kept";
}

TEST_F(JournalWriterTest, FullQueueDropsAndCountsWithoutBlocking) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  auto w = start(1 << 20, 4, /*queue=*/4);
  w->hold_for_test(true);  // the writer thread takes nothing: the queue fills
  for (uint64_t i = 1; i <= 10; ++i)
    w->append(rpc_entry(i));
  EXPECT_EQ(w->stats().dropped, 6u);
  w->hold_for_test(false);
  w->flush();
  EXPECT_NE(log.str().find("journal " + path_ + ": 6 record(s) dropped"), std::string::npos)
      << log.str();
  w->append(rpc_entry(11));
  w.reset();
  spdlog::set_default_logger(previous);

  auto back = read_journal(path_);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.records.size(), 5u);
  for (uint64_t i = 0; i < 4; ++i)
    EXPECT_EQ(back.records[i].seq(), i + 1);
  // Dropped records used up seq 5..10; the next written one says so.
  EXPECT_EQ(back.records[4].seq(), 11u);
  EXPECT_EQ(back.records[4].dropped_before(), 6u);
}

TEST_F(JournalWriterTest, OffIgnoresRecordsAndOnAgainStartsANewFile) {
  auto w = start();
  w->append(rpc_entry(1));
  w->set_enabled(false);
  EXPECT_FALSE(w->stats().enabled);
  w->append(rpc_entry(2));
  w->set_enabled(true);
  w->append(rpc_entry(3));
  w->flush();
  EXPECT_EQ(w->stats().records_written, 2u);
  EXPECT_EQ(w->stats().files, 2u);
  w.reset();

  auto old_file = read_journal(path_ + ".1");
  ASSERT_TRUE(old_file.status.ok());
  ASSERT_EQ(old_file.records.size(), 1u);
  EXPECT_EQ(old_file.records[0].rpc().rpc_id(), 1u);
  auto current = read_journal(path_);
  ASSERT_TRUE(current.status.ok());
  EXPECT_EQ(current.header.file_index(), 1u);
  ASSERT_EQ(current.records.size(), 1u);
  EXPECT_EQ(current.records[0].rpc().rpc_id(), 3u);
}

TEST_F(JournalWriterTest, RotateStartsANewFileAfterWhatWasQueued) {
  auto w = start();
  w->append(rpc_entry(1));
  w->rotate();
  w->append(rpc_entry(2));
  w.reset();
  EXPECT_EQ(read_journal(path_ + ".1").records.size(), 1u);
  auto current = read_journal(path_);
  ASSERT_EQ(current.records.size(), 1u);
  EXPECT_EQ(current.records[0].seq(), 2u);
  EXPECT_EQ(current.header.file_index(), 1u);
}

TEST_F(JournalWriterTest, AJournalFromAnEarlierRunIsMovedAside) {
  std::ofstream(path_) << "earlier";
  auto w = start();
  w.reset();
  std::ifstream old(path_ + ".1");
  std::string text;
  old >> text;
  EXPECT_EQ(text, "earlier");
  EXPECT_TRUE(read_journal(path_).status.ok());
}

TEST_F(JournalWriterTest, ARecordLargerThanAFileIsDroppedAndCounted) {
  auto w = start(/*max_bytes=*/1024);
  w->append(rpc_entry(1, 4096));
  w->append(rpc_entry(2));
  w->flush();
  EXPECT_EQ(w->stats().dropped, 1u);
  EXPECT_EQ(w->stats().records_written, 1u);
  w.reset();
  auto back = read_journal(path_);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].seq(), 2u);
  EXPECT_LE(test::file_size(path_), 1024u);
}

TEST_F(JournalWriterTest, StartFailsNamingThePath) {
  WriterOptions o;
  o.path = dir_.path() + "/missing/journal";
  std::unique_ptr<JournalWriter> w;
  Status s = JournalWriter::start(o, header_, &w);
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "journal: open " + o.path + ": No such file or directory");
  EXPECT_EQ(w, nullptr);
}

TEST_F(JournalWriterTest, TheFileIsOpenedCloseOnExec) {
  auto w = start();
  int found = 0;
  DIR* d = ::opendir("/proc/self/fd");
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d)) {
    char target[4096];
    std::string link = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0 || std::string(target, static_cast<size_t>(n)) != path_) continue;
    ++found;
    EXPECT_TRUE(::fcntl(std::atoi(e->d_name), F_GETFD) & FD_CLOEXEC);
  }
  ::closedir(d);
  EXPECT_EQ(found, 1);
}

}  // namespace
}  // namespace ember::journal
