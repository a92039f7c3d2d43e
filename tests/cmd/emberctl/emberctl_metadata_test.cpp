// emberctl vm metadata get | set | update: documents in and out, inline and
// from @file / @-, and input that fails before anything is sent.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "emberctl_fixture.hpp"
#include "fccontrol.pb.h"

namespace ember::ctltest {
namespace {

using EmberctlMetadataTest = EmberctlTest;

GetVMMetadataResponse Document(const std::string& text) {
  GetVMMetadataResponse r;
  r.set_metadata(text);
  return r;
}

TEST_F(EmberctlMetadataTest, GetPrintsTheDocumentIndentedInItsOwnKeyOrder) {
  server().reply("GetVMMetadata", Document(R"({"b":1,"a":{"c":"x"}})"));
  CtlResult r = ctl({"vm", "metadata", "get", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<GetVMMetadataRequest>("GetVMMetadata").vmid(), "vm1");
  EXPECT_EQ(r.out, "{\n  \"b\": 1,\n  \"a\": {\n    \"c\": \"x\"\n  }\n}\n");
}

TEST_F(EmberctlMetadataTest, GetWithJsonPrintsTheDocumentItselfOnOneLine) {
  server().reply("GetVMMetadata", Document("{ \"b\" : 1,\n \"a\" : [true, null] }"));
  CtlResult r = ctl({"--json", "vm", "metadata", "get", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"b":1,"a":[true,null]})"
                   "\n");
}

TEST_F(EmberctlMetadataTest, GetPrintsTextThatIsNotJsonUnchanged) {
  server().reply("GetVMMetadata", Document("not json {"));
  CtlResult r = ctl({"vm", "metadata", "get", "vm1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "not json {\n");
}

TEST_F(EmberctlMetadataTest, SetSendsInlineJsonByteForByte) {
  const std::string doc = "{ \"role\": \"web\",  \"n\": [1, 2] }";
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", doc});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<SetVMMetadataRequest>("SetVMMetadata");
  EXPECT_EQ(sent.vmid(), "vm1");
  EXPECT_EQ(sent.metadata(), doc);
  EXPECT_EQ(r.out, "VMID: vm1\nResult: metadata set\n");
}

TEST_F(EmberctlMetadataTest, SetSendsInvalidJsonAsIsAndReportsTheServersVerdict) {
  server().fail("SetVMMetadata", Status::InvalidArgument("metadata is not valid JSON"));
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", "{not json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(only_request<SetVMMetadataRequest>("SetVMMetadata").metadata(), "{not json");
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: metadata is not valid JSON\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(EmberctlMetadataTest, SetReadsTheDocumentFromAtFile) {
  const std::string doc = "{\n  \"from\": \"file\"\n}\n";
  ASSERT_TRUE(write_file(dir() + "/meta.json", doc));
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", "@" + dir() + "/meta.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(only_request<SetVMMetadataRequest>("SetVMMetadata").metadata(), doc);
}

TEST_F(EmberctlMetadataTest, UpdateReadsTheDocumentFromStdinWithAtDash) {
  const std::string patch = R"({"role":null,"tier":"gold"})";
  CtlResult r = ctl({"--json", "vm", "metadata", "update", "vm1", "@-"}, patch);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto sent = only_request<UpdateVMMetadataRequest>("UpdateVMMetadata");
  EXPECT_EQ(sent.vmid(), "vm1");
  EXPECT_EQ(sent.metadata(), patch);
  EXPECT_EQ(r.out, R"({"VMID":"vm1","Result":"metadata updated"})"
                   "\n");
}

TEST_F(EmberctlMetadataTest, UpdateSendsAnEmptyStdinAsAnEmptyDocument) {
  ASSERT_EQ(ctl({"vm", "metadata", "update", "vm1", "@-"}, "").exit_code, 0);
  EXPECT_EQ(only_request<UpdateVMMetadataRequest>("UpdateVMMetadata").metadata(), "");
}

TEST_F(EmberctlMetadataTest, AMissingFileFailsBeforeAnythingIsSent) {
  const std::string missing = dir() + "/missing.json";
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", "@" + missing});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: cannot open " + missing + ": No such file or directory\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlMetadataTest, ADirectoryFailsBeforeAnythingIsSent) {
  ASSERT_EQ(::mkdir((dir() + "/d").c_str(), 0700), 0);
  CtlResult r = ctl({"vm", "metadata", "update", "vm1", "@" + dir() + "/d"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: cannot read " + dir() + "/d: Is a directory\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlMetadataTest, ADocumentOverFourMiBFailsBeforeAnythingIsSent) {
  ASSERT_TRUE(write_file(dir() + "/big.json", std::string((4u << 20) + 1, ' ')));
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", "@" + dir() + "/big.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "error: INVALID_ARGUMENT: " + dir() + "/big.json is larger than 4194304 bytes\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlMetadataTest, ABareAtSignIsRejectedBeforeAnythingIsSent) {
  CtlResult r = ctl({"vm", "metadata", "set", "vm1", "@"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: '@' must be followed by a file name or '-'\n");
  EXPECT_TRUE(server().calls().empty());
}

TEST_F(EmberctlMetadataTest, AFileErrorWithJsonIsAJsonObjectOnStderr) {
  CtlResult r = ctl({"--json", "vm", "metadata", "set", "vm1", "@/nonexistent/m.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, R"({"code":"INVALID_ARGUMENT",)"
                   R"("message":"cannot open /nonexistent/m.json: No such file or directory"})"
                   "\n");
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace ember::ctltest
