#pragma once
// How emberctl reports: results on stdout (key: value lines, or one JSON object
// per command with --json), errors on stderr, and the exit code of a status.
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.hpp"

namespace ember::ctl {

// Exit codes (documented in docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // any error status not listed below
inline constexpr int kExitUsage = 2;        // bad command line (as CLI11 tools do)
inline constexpr int kExitUnavailable = 3;  // UNAVAILABLE: no server, connection lost
inline constexpr int kExitDeadline = 4;     // DEADLINE_EXCEEDED: --timeout passed
inline constexpr int kExitForced = 5;       // vm stop: the VM had to be killed (it is gone)

int exit_code_for(const Status& status);

class Output {
 public:
  Output(bool json, std::ostream& out, std::ostream& err);

  // One result. Human form: a "key: value" line per field, nested objects
  // flattened to their own fields; JSON form: the object on one line.
  void record(const nlohmann::ordered_json& fields);
  // A JSON document received from the server (VM metadata), printed as itself:
  // indented in human form, on one line with --json; text that does not parse
  // is printed unchanged.
  void document(const std::string& json_text);
  // Human form only: text as it is (a table, an event line), flushed.
  void text(const std::string& text);
  bool json() const { return json_; }
  // "error: CODE: message", or {"code": ..., "message": ...} with --json.
  void error(const Status& status);

 private:
  void human_fields(const nlohmann::ordered_json& fields);

  bool json_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace ember::ctl
