#pragma once
// EmberctlTest: a scratch directory, a RecordingServer listening in it, and
// helpers to run emberctl against that server and decode what it received.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "recording_server.hpp"
#include "run_emberctl.hpp"

namespace ember::ctltest {

class EmberctlTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& dir() const { return dir_.path(); }
  std::string socket_path() const { return dir_.path() + "/fc.sock"; }
  RecordingServer& server() { return *server_; }

  // emberctl --address <socket_path()> args...
  CtlResult ctl(std::vector<std::string> args, const std::string& stdin_text = "");
  // emberctl args... (no --address added)
  CtlResult ctl_raw(const std::vector<std::string>& args, const EnvChanges& env = {});

  // Asserts that exactly one call arrived, to method, and decodes its request.
  template <typename Request>
  Request only_request(const std::string& method) {
    Request req;
    RecordedCall call = only_call(method);
    EXPECT_TRUE(req.ParseFromString(call.payload)) << method << " request does not decode";
    return req;
  }
  RecordedCall only_call(const std::string& method);

 private:
  TempDir dir_;
  std::unique_ptr<RecordingServer> server_;
};

// The value of key in the call's metadata, or "<absent>".
std::string metadata_value(const RecordedCall& call, const std::string& key);

}  // namespace ember::ctltest
