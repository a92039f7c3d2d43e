#include "base/utf8_text.hpp"

#include <gtest/gtest.h>

#include "base/status.hpp"

namespace ember {
namespace {

TEST(Utf8TextTest, ValidTextIsRecognised) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("tru\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

TEST(Utf8TextTest, MalformedTextIsRecognised) {
  EXPECT_FALSE(is_valid_utf8("tru\xc3"));           // a character cut in half
  EXPECT_FALSE(is_valid_utf8("\xa9"));              // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(Utf8TextTest, EachBadByteBecomesOneReplacementMark) {
  EXPECT_EQ(valid_utf8("tru\xc3"), "tru\xef\xbf\xbd");
  EXPECT_EQ(valid_utf8("a\xff\xfe"
                       "b"),
            "a\xef\xbf\xbd\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xc3\xa9"), "\xc3\xa9");
}

TEST(Utf8TextTest, TruncationNeverCutsACharacter) {
  const std::string text = "tru\xc3\xa9!";  // é takes bytes 3 and 4
  EXPECT_EQ(truncate_utf8(text, 3), "tru");
  EXPECT_EQ(truncate_utf8(text, 4), "tru");
  EXPECT_EQ(truncate_utf8(text, 5), "tru\xc3\xa9");
  EXPECT_EQ(truncate_utf8(text, 100), text);
  EXPECT_TRUE(is_valid_utf8(truncate_utf8("\xe2\x82\xac\xe2\x82\xac", 4)));
}

TEST(Utf8TextTest, EveryStatusMessageIsValidUtf8) {
  // What the shim's JSON parser said of `{"a":trué}`: the last token, cut
  // after its first byte.
  Status s = Status::InvalidArgument("metadata is not valid JSON: last read: 'tru\xc3'");
  EXPECT_TRUE(is_valid_utf8(s.message()));
  EXPECT_EQ(s.message(), "metadata is not valid JSON: last read: 'tru\xef\xbf\xbd'");
  EXPECT_EQ(Status(Code::internal, "ok \xc3\xa9").message(), "ok \xc3\xa9");
}

}  // namespace
}  // namespace ember
