#include "shim/metadata_store.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ember::shim {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  MetadataStore store_;
};

TEST_F(MetadataStoreTest, StartsAsAnEmptyObject) {
  EXPECT_EQ(store_.get(), "{}");
}

TEST_F(MetadataStoreTest, SetReplacesTheWholeDocument) {
  ASSERT_TRUE(store_.set(R"({"a": 1, "b": {"c": 2}})").ok());
  ASSERT_TRUE(store_.set(R"({"x": "y"})").ok());
  EXPECT_EQ(store_.get(), R"({"x":"y"})");
}

TEST_F(MetadataStoreTest, GetReturnsCompactJson) {
  ASSERT_TRUE(store_.set("{ \"a\" : [ 1 , 2 ] ,\n \"b\" : null }").ok());
  EXPECT_EQ(store_.get(), R"({"a":[1,2],"b":null})");
}

TEST_F(MetadataStoreTest, UpdateAddsAndReplacesKeys) {
  ASSERT_TRUE(store_.set(R"({"a": 1, "b": 2})").ok());
  ASSERT_TRUE(store_.update(R"({"b": 3, "c": 4})").ok());
  EXPECT_EQ(store_.get(), R"({"a":1,"b":3,"c":4})");
}

TEST_F(MetadataStoreTest, UpdateWithNullDeletesAKey) {
  ASSERT_TRUE(store_.set(R"({"a": 1, "b": 2})").ok());
  ASSERT_TRUE(store_.update(R"({"a": null})").ok());
  EXPECT_EQ(store_.get(), R"({"b":2})");
}

TEST_F(MetadataStoreTest, UpdateMergesNestedObjects) {
  ASSERT_TRUE(store_.set(R"({"net": {"ip": "10.0.0.2", "gw": "10.0.0.1"}, "n": 1})").ok());
  ASSERT_TRUE(store_.update(R"({"net": {"ip": "10.0.0.3", "gw": null, "dns": ["1.1.1.1"]}})").ok());
  EXPECT_EQ(store_.get(), R"({"n":1,"net":{"dns":["1.1.1.1"],"ip":"10.0.0.3"}})");
}

TEST_F(MetadataStoreTest, UpdateReplacesArraysWhole) {
  ASSERT_TRUE(store_.set(R"({"list": [1, 2, 3]})").ok());
  ASSERT_TRUE(store_.update(R"({"list": [4]})").ok());
  EXPECT_EQ(store_.get(), R"({"list":[4]})");
}

TEST_F(MetadataStoreTest, UpdateOfAnEmptyDocumentDropsNullsFromThePatch) {
  ASSERT_TRUE(store_.update(R"({"a": {"b": null, "c": 1}})").ok());
  EXPECT_EQ(store_.get(), R"({"a":{"c":1}})");
}

TEST_F(MetadataStoreTest, SetRefusesInvalidJsonWithTheParserReason) {
  ASSERT_TRUE(store_.set(R"({"keep": true})").ok());
  Status s = store_.set("{\"a\": ");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("metadata is not valid JSON"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("parse error"), std::string::npos) << s.message();
  EXPECT_EQ(store_.get(), R"({"keep":true})");
}

TEST_F(MetadataStoreTest, UpdateRefusesInvalidJsonAndKeepsTheDocument) {
  ASSERT_TRUE(store_.set(R"({"keep": true})").ok());
  Status s = store_.update("{nope}");
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("metadata patch is not valid JSON"), std::string::npos) << s.message();
  EXPECT_EQ(store_.get(), R"({"keep":true})");
}

TEST_F(MetadataStoreTest, RefusesDocumentsThatAreNotObjects) {
  for (const char* text : {"[1, 2]", "\"text\"", "42", "null", "true"}) {
    Status s = store_.set(text);
    EXPECT_EQ(s.code(), Code::invalid_argument) << text;
    EXPECT_NE(s.message().find("must be a JSON object"), std::string::npos) << s.message();
    EXPECT_EQ(store_.update(text).code(), Code::invalid_argument) << text;
  }
  EXPECT_EQ(store_.get(), "{}");
}

TEST_F(MetadataStoreTest, RefusesEmptyText) {
  EXPECT_EQ(store_.set("").code(), Code::invalid_argument);
  EXPECT_EQ(store_.update("").code(), Code::invalid_argument);
}

TEST_F(MetadataStoreTest, RefusesInvalidUtf8) {
  EXPECT_EQ(store_.set("{\"a\": \"\xff\"}").code(), Code::invalid_argument);
}

TEST_F(MetadataStoreTest, RefusesTextOverTheSizeLimit) {
  const std::string big = "{\"a\": \"" + std::string(MetadataStore::kMaxBytes, 'x') + "\"}";
  Status s = store_.set(big);
  EXPECT_EQ(s.code(), Code::resource_exhausted);
  EXPECT_NE(s.message().find("exceeds the limit"), std::string::npos) << s.message();
  EXPECT_EQ(store_.update(big).code(), Code::resource_exhausted);
  EXPECT_EQ(store_.get(), "{}");
}

TEST_F(MetadataStoreTest, RefusesAnUpdateWhoseResultExceedsTheSizeLimit) {
  const std::string half(MetadataStore::kMaxBytes / 2, 'x');
  ASSERT_TRUE(store_.set("{\"a\": \"" + half + "\"}").ok());
  const std::string before = store_.get();
  Status s = store_.update("{\"b\": \"" + half + "\"}");
  EXPECT_EQ(s.code(), Code::resource_exhausted);
  EXPECT_EQ(store_.get(), before);
}

TEST_F(MetadataStoreTest, RefusesNestingDeeperThanTheLimit) {
  const int depth = MetadataStore::kMaxDepth + 1;
  std::string deep;
  for (int i = 0; i < depth; ++i)
    deep += "{\"a\":";
  deep += "1";
  deep += std::string(depth, '}');
  Status s = store_.set(deep);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_NE(s.message().find("nests deeper"), std::string::npos) << s.message();
}

TEST_F(MetadataStoreTest, AcceptsNestingAtTheLimitAndBracketsInsideStrings) {
  std::string deep;
  for (int i = 0; i < MetadataStore::kMaxDepth; ++i)
    deep += "{\"a\":";
  deep += "\"[[[[{{{{\\\"\"";
  deep += std::string(MetadataStore::kMaxDepth, '}');
  EXPECT_TRUE(store_.set(deep).ok()) << store_.set(deep).ToString();
}

}  // namespace
}  // namespace ember::shim
