#pragma once
// Firecracker's MMDS HTTP API, answered from a metadata document: pure, no
// I/O (mmds_server.hpp does the sockets). As Firecracker serves version 1
// (its and the reference's default; src/vmm/src/mmds/mod.rs):
// - GET <path>: the value at that JSON pointer. With "Accept:
//   application/json" the JSON text; otherwise (IMDS format) an object's keys
//   one a line, "/" after those holding objects, or a string's text; other
//   types are 501 "Cannot retrieve value. The value has an unsupported type.".
//   A missing one is 404 "Resource not found: <path>.".
// - PUT /latest/api/token with X-metadata-token-ttl-seconds (1..21600): a
//   session token (the version 2 flow). A GET may carry it in
//   X-metadata-token; version 1 does not require one.
// - Any other method: 405 with "Allow: GET, PUT".
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace ember::shim::qemu {

struct MmdsRequest {
  std::string method;
  std::string path;                            // the URI's absolute path
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct MmdsAnswer {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::string extra_header;  // one "Name: value" line without CRLF, or ""
};

// The session tokens handed out, with their expiry.
class MmdsTokens {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxTokens = 1024;
  // A new random token valid for ttl_seconds.
  std::string issue(unsigned ttl_seconds, Clock::time_point now);
  bool valid(const std::string& token, Clock::time_point now) const;

 private:
  std::map<std::string, Clock::time_point> expiry_;
};

// Parses the head of an HTTP/1.x request (up to and including the blank
// line). False when it is not one.
bool parse_mmds_request(const std::string& head, MmdsRequest* out);

MmdsAnswer answer_mmds(const MmdsRequest& request, const std::string& document_json,
                       MmdsTokens& tokens, MmdsTokens::Clock::time_point now);

// The full HTTP/1.1 response for answer; the connection closes after it.
std::string mmds_response_text(const MmdsAnswer& answer);

}  // namespace ember::shim::qemu
