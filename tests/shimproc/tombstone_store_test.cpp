#include "shimproc/tombstone_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "base/files.hpp"
#include "shimproc/tombstone_record.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::shimproc {
namespace {

using testsupport::TempTree;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(TombstoneStoreTest, FileNamesCarryTheExitTimeOfTheirVm) {
  EXPECT_EQ(tombstone_time("vm-1-1700000000123.json", "vm-1"), 1700000000123);
  EXPECT_EQ(tombstone_time("vm-1-1700000000123.json", ""), 1700000000123);
  EXPECT_EQ(tombstone_time("vm-1-1700000000123.json", "vm"), -1);
  EXPECT_EQ(tombstone_time("vm-1-1700000000123.json.tmp", ""), -1);
  EXPECT_EQ(tombstone_time("vm-x.json", ""), -1);
  EXPECT_EQ(tombstone_time("-12.json", ""), -1);
}

TEST(TombstoneStoreTest, OldestGoFirstPastTheByteBoundAndTheNewestStays) {
  TempTree root;
  TombstoneStore store(root.path(), TombstoneBounds{100, 250});
  std::string path;
  const std::string hundred(100, 'x');
  ASSERT_TRUE(store.keep("a", "vm1", 1, hundred, &path).ok());
  EXPECT_EQ(path, root.path() + "/a/vm1-1.json");
  ASSERT_TRUE(store.keep("b", "vm1", 2, hundred, &path).ok());
  ASSERT_TRUE(store.keep("a", "vm2", 3, hundred, &path).ok());  // 300 > 250: vm1-1 goes
  EXPECT_EQ(list_dir(root.path() + "/a"), std::vector<std::string>{"vm2-3.json"});
  EXPECT_EQ(list_dir(root.path() + "/b").size(), 1u);
  ASSERT_TRUE(store.keep("a", "vm3", 4, std::string(1000, 'y'), &path).ok());
  EXPECT_EQ(list_dir(root.path() + "/a"), std::vector<std::string>{"vm3-4.json"});
  EXPECT_TRUE(list_dir(root.path() + "/b").empty());
}

TEST(TombstoneStoreTest, RecordsOfAnEarlierRunCountTowardsTheBounds) {
  TempTree root;
  ASSERT_EQ(::mkdir((root / "ns").c_str(), 0700), 0);
  write(root.path() + "/ns/vm1-10.json", "old");
  write(root.path() + "/ns/vm1-20.json", "newer");
  write(root.path() + "/ns/notes.txt", "not a tombstone: left alone");
  TombstoneStore store(root.path(), TombstoneBounds{2, 1 << 20});
  std::string path;
  ASSERT_TRUE(store.keep("ns", "vm1", 30, "newest", &path).ok());
  std::vector<std::string> texts;
  ASSERT_TRUE(TombstoneStore::read(root.path(), "ns", "vm1", true, &texts).ok());
  EXPECT_EQ(texts, (std::vector<std::string>{"newest", "newer"}));
  ASSERT_TRUE(TombstoneStore::read(root.path(), "ns", "vm1", false, &texts).ok());
  EXPECT_EQ(texts, std::vector<std::string>{"newest"});
  EXPECT_TRUE(read_file(root.path() + "/ns/notes.txt").has_value());
}

TEST(TombstoneStoreTest, ABoundOfZeroKeepsNone) {
  TempTree root;
  TombstoneStore store(root.path() + "/t", TombstoneBounds{0, 1 << 20});
  std::string path;
  ASSERT_TRUE(store.keep("ns", "vm1", 1, "x", &path).ok());
  EXPECT_TRUE(path.empty());
  std::vector<std::string> texts;
  EXPECT_EQ(TombstoneStore::read(root.path() + "/t", "ns", "vm1", true, &texts),
            Status::NotFound("no tombstone for VM vm1 in namespace ns"));
}

TEST(TombstoneRecordTest, ConsoleTailSpansTheRotatedLogWhenTheCurrentOneIsShort) {
  TempTree dir;
  write(dir.path() + "/console.log.1", "0123456789");
  write(dir.path() + "/console.log", "abc");
  EXPECT_EQ(console_tail(dir.path(), 6), "789abc");
  EXPECT_EQ(console_tail(dir.path(), 2), "bc");
  EXPECT_EQ(console_tail(dir.path(), 0), "");
}

TEST(TombstoneRecordTest, ACreateRefusedWithoutAConsoleKeepsNothing) {
  TempTree dir;
  TombstoneFacts facts;
  facts.key = {"ns", "vm1"};
  facts.end.cause = "create-failed";
  facts.end.only_with_console = true;
  facts.exited_ms = 1700000000123;
  std::string text;
  EXPECT_FALSE(make_tombstone(dir.path(), facts, 100, &text));
  write(dir.path() + "/console.log", "Kernel panic\n");
  write(dir.path() + "/vmm-exit", "INTERNAL: qemu exited with code 1\n");
  ASSERT_TRUE(make_tombstone(dir.path(), facts, 100, &text));
  EXPECT_NE(text.find("\"console_tail\": \"Kernel panic\\n\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"vmm_exit\": \"INTERNAL: qemu exited with code 1\""), std::string::npos);
  EXPECT_NE(text.find("\"exited\": \"2023-11-14T22:13:20.123Z\""), std::string::npos) << text;
}

}  // namespace
}  // namespace ember::shimproc
