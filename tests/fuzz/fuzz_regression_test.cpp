// Saved fuzz inputs replayed as ordinary tests: inputs that once broke a
// promise (regressions/<target>/) must keep passing, and reproducers of known,
// reported bugs (regressions/<target>-known-bugs/, tests DISABLED_ until the
// bug is fixed; then move the files into regressions/<target>/).
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "shim/metadata_store.hpp"
#include "tests/fuzz/metadata_ops.hpp"

namespace ember::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(std::string(REGRESSIONS_DIR) + "/" + dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

std::string replay(const std::string& bytes) {
  return replay_metadata_ops(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(FuzzRegressionTest, SavedMetadataInputsKeepEveryPromise) {
  for (const auto& p : inputs_in("metadata")) {
    const std::optional<std::string> bytes = read_file(p);
    ASSERT_TRUE(bytes.has_value()) << p;
    EXPECT_EQ(replay(*bytes), "") << p;
  }
}

// Regression: the limit holds for the document as stored, whose compact form
// can be larger than the text given (nlohmann rewrites 1E5 as 100000.0).
TEST(FuzzRegressionTest, SetRefusesTextWhoseCompactFormIsOverTheLimit) {
  std::string text = "{\"a\":[";
  while (text.size() < shim::MetadataStore::kMaxBytes - 8)
    text += "1E5,";
  text += "1]}";
  ASSERT_LE(text.size(), shim::MetadataStore::kMaxBytes);
  shim::MetadataStore store;
  Status s = store.set(text);
  EXPECT_EQ(s.code(), Code::resource_exhausted) << s.ToString();
  EXPECT_LE(store.get().size(), shim::MetadataStore::kMaxBytes);
  EXPECT_TRUE(store.update("{}").ok());
}

}  // namespace
}  // namespace ember::fuzz
