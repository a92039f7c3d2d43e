#include "shimproc/vm_creation.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/support/temp_tree.hpp"

namespace ember::shimproc {
namespace {

using testsupport::TempTree;

TEST(VmCreationTest, ADirWithoutMarkersIsUnmarked) {
  TempTree dir;
  EXPECT_EQ(creation_of(dir.path()), VmCreation::unmarked);
}

TEST(VmCreationTest, CreatingThenCreatedRenamesTheOneMarker) {
  TempTree dir;
  ASSERT_TRUE(mark_creating(dir.path()).ok());
  EXPECT_EQ(creation_of(dir.path()), VmCreation::creating);
  struct stat st {};
  ASSERT_EQ(::lstat((dir / ".creating").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(mark_created(dir.path()).ok());
  EXPECT_EQ(creation_of(dir.path()), VmCreation::created);
  EXPECT_NE(::access((dir / ".creating").c_str(), F_OK), 0);
}

TEST(VmCreationTest, MarkingCreatingTwiceOrAfterCreatedIsAlreadyExists) {
  TempTree dir;
  ASSERT_TRUE(mark_creating(dir.path()).ok());
  EXPECT_EQ(mark_creating(dir.path()).code(), Code::already_exists);
  ASSERT_TRUE(mark_created(dir.path()).ok());
  EXPECT_EQ(mark_creating(dir.path()).code(), Code::already_exists);
  EXPECT_EQ(creation_of(dir.path()), VmCreation::created);
}

TEST(VmCreationTest, MarkingCreatedWithoutCreatingFailsNamingThePaths) {
  TempTree dir;
  Status s = mark_created(dir.path());
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_NE(s.message().find(dir / ".creating"), std::string::npos) << s.message();
  EXPECT_EQ(creation_of(dir.path()), VmCreation::unmarked);
}

TEST(VmCreationTest, MarkingCreatedInARemovedDirFails) {
  std::string gone;
  {
    TempTree dir;
    gone = dir.path();
    ASSERT_TRUE(mark_creating(gone).ok());
  }
  EXPECT_FALSE(mark_created(gone).ok());
}

TEST(VmCreationTest, MarkerNamesCannotBeContainerIds) {
  // Container ids are linked into the VM dir; they start with a letter or digit.
  EXPECT_EQ(kCreatingMarker[0], '.');
  EXPECT_EQ(kCreatedMarker[0], '.');
}

}  // namespace
}  // namespace ember::shimproc
