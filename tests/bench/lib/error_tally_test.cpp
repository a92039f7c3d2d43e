// ErrorTally: the failures of a phase, grouped for its report.
#include <gtest/gtest.h>

#include "bench/lib/error_tally.hpp"

namespace ember::bench {
namespace {

TEST(BenchErrorTallyTest, GroupsByStatusAndKeepsTheFirst) {
  ErrorTally t;
  t.add(Status::NotFound("a"));
  t.add(Status::Unavailable("b"));
  t.add(Status::NotFound("a"));
  EXPECT_EQ(t.total(), 3u);
  EXPECT_EQ(t.first(), Status::NotFound("a"));
  auto j = t.to_json();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["code"], "NOT_FOUND");
  EXPECT_EQ(j[0]["count"], 2);
  ErrorTally u;
  u.merge(t);
  EXPECT_EQ(u.total(), 3u);
  EXPECT_EQ(u.first(), Status::NotFound("a"));
}

TEST(BenchErrorTallyTest, KeepsAtMostTenKindsButCountsAll) {
  ErrorTally t;
  for (int i = 0; i < 25; ++i)
    t.add(Status::Internal("e" + std::to_string(i)));
  EXPECT_EQ(t.total(), 25u);
  EXPECT_EQ(t.to_json().size(), 10u);
}

}  // namespace
}  // namespace ember::bench
