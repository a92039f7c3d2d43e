#include "base/ids.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ember::shimproc {
namespace {

struct IdCase {
  std::string id;
  bool ok;
  std::string message;  // expected INVALID_ARGUMENT message when !ok
};

class ValidateIdentifierTest : public ::testing::TestWithParam<IdCase> {};

TEST_P(ValidateIdentifierTest, AcceptsOrRejectsWithTheReason) {
  const IdCase& c = GetParam();
  Status s = validate_identifier(c.id, "VM id");
  if (c.ok) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    EXPECT_EQ(s.code(), Code::invalid_argument);
    EXPECT_EQ(s.message(), c.message);
  }
}

const std::string k76(76, 'a');
const std::string k77(77, 'a');

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateIdentifierTest,
    ::testing::Values(
        IdCase{"", false, "VM id must not be empty"}, IdCase{"a", true, ""},
        IdCase{"vm1", true, ""}, IdCase{"a.b-c_d", true, ""}, IdCase{"A9.z0", true, ""},
        IdCase{k76, true, ""},
        IdCase{k77, false, "VM id \"" + k77 + "\" is 77 characters long, the limit is 76"},
        IdCase{"../x", false, "VM id \"../x\": must start with a letter or digit"},
        IdCase{"-a", false, "VM id \"-a\": must start with a letter or digit"},
        IdCase{"a-", false, "VM id \"a-\": must end with a letter or digit"},
        IdCase{"a..b", false, "VM id \"a..b\": '.' at offset 2 follows another separator"},
        IdCase{"a-_b", false, "VM id \"a-_b\": '_' at offset 2 follows another separator"},
        IdCase{"a#b", false,
               "VM id \"a#b\": character \"#\" at offset 1 is not allowed (only letters, "
               "digits, '.', '_' and '-')"},
        IdCase{"a/b", false,
               "VM id \"a/b\": character \"/\" at offset 1 is not allowed (only letters, "
               "digits, '.', '_' and '-')"},
        IdCase{"a b", false,
               "VM id \"a b\": character \" \" at offset 1 is not allowed (only letters, "
               "digits, '.', '_' and '-')"},
        IdCase{"\xc3\xa9", false,
               "VM id \"\\xc3\\xa9\": character \"\\xc3\" at offset 0 is not allowed (only "
               "letters, digits, '.', '_' and '-')"},
        IdCase{std::string("a\0b", 3), false,
               "VM id \"a\\x00b\": character \"\\x00\" at offset 1 is not allowed (only "
               "letters, digits, '.', '_' and '-')"}));

TEST(ValidateIdentifierNameTest, MessageNamesWhatWasChecked) {
  EXPECT_EQ(validate_identifier("", "namespace").message(), "namespace must not be empty");
}

}  // namespace
}  // namespace ember::shimproc
