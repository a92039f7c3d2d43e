// The MMDS HTTP API as Firecracker answers it (version 1 paths and formats,
// the version 2 token endpoint), from a document, without sockets.
#include "shim/vmm/qemu/mmds_http.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ember::shim::qemu {
namespace {

const char* const kDoc =
    R"({"latest":{"meta-data":{"ami-id":"ami-1","tags":{"a":"b"}}},"age":43,"name":"vm"})";

class MmdsHttpTest : public ::testing::Test {
 protected:
  MmdsAnswer ask(const std::string& head) {
    MmdsRequest r;
    EXPECT_TRUE(parse_mmds_request(head, &r)) << head;
    return answer_mmds(r, kDoc, tokens_, now_);
  }
  MmdsAnswer get(const std::string& path, const std::string& headers = "") {
    return ask("GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\n" + headers + "\r\n");
  }

  MmdsTokens tokens_;
  MmdsTokens::Clock::time_point now_ = MmdsTokens::Clock::now();
};

TEST_F(MmdsHttpTest, ImdsFormatListsKeysWithASlashForObjectsAndGivesStrings) {
  EXPECT_EQ(get("/").body, "age\nlatest/\nname");
  EXPECT_EQ(get("/latest/meta-data/").body, "ami-id\ntags/");
  EXPECT_EQ(get("/latest//meta-data/ami-id").body, "ami-1");
  const MmdsAnswer number = get("/age");
  EXPECT_EQ(number.status, 501);
  EXPECT_EQ(number.body, "Cannot retrieve value. The value has an unsupported type.");
}

TEST_F(MmdsHttpTest, AcceptJsonGivesTheValueAsJson) {
  const MmdsAnswer a = get("/latest/meta-data", "Accept: application/json\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(a.body, R"({"ami-id":"ami-1","tags":{"a":"b"}})");
  EXPECT_EQ(get("/age", "Accept: application/json\r\n").body, "43");
}

TEST_F(MmdsHttpTest, MissingPathsAreNotFound) {
  const MmdsAnswer a = get("/latest/user-data");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.body, "Resource not found: /latest/user-data.");
  EXPECT_EQ(get("/name/x").status, 404);
}

TEST_F(MmdsHttpTest, TokenFlowOfVersionTwo) {
  const MmdsAnswer t =
      ask("PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 60\r\n\r\n");
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(t.body.size(), 64u);
  EXPECT_EQ(t.extra_header, "X-metadata-token-ttl-seconds: 60");
  EXPECT_TRUE(tokens_.valid(t.body, now_));
  EXPECT_FALSE(tokens_.valid(t.body, now_ + std::chrono::seconds(61)));
  EXPECT_EQ(get("/name", "X-metadata-token: " + t.body + "\r\n").body, "vm");

  EXPECT_EQ(ask("PUT /latest/api/token HTTP/1.1\r\n\r\n").body,
            "Token time to live value not found. Use `X-metadata-token-ttl-seconds` or "
            "`X-aws-ec2-metadata-token-ttl-seconds` header to specify the token's lifetime.");
  EXPECT_EQ(ask("PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 0\r\n\r\n").body,
            "Invalid time to live value provided for token: 0. Please provide a value between 1 "
            "and 21600.");
  EXPECT_EQ(ask("PUT /other HTTP/1.1\r\nX-metadata-token-ttl-seconds: 5\r\n\r\n").status, 404);
}

TEST_F(MmdsHttpTest, OtherMethodsAreNotAllowed) {
  const MmdsAnswer a = ask("POST / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.extra_header, "Allow: GET, PUT");
}

TEST_F(MmdsHttpTest, ResponseTextIsHttpWithItsLength) {
  EXPECT_EQ(mmds_response_text(MmdsAnswer{200, "text/plain", "vm", ""}),
            "HTTP/1.1 200 OK\r\nServer: Firecracker API\r\nConnection: close\r\n"
            "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nvm");
  MmdsRequest r;
  EXPECT_FALSE(parse_mmds_request("garbage\r\n\r\n", &r));
}

}  // namespace
}  // namespace ember::shim::qemu
