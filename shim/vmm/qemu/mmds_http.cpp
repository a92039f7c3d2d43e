#include "shim/vmm/qemu/mmds_http.hpp"

#include <sys/random.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ember::shim::qemu {
namespace {

constexpr const char* kTokenPath = "/latest/api/token";
constexpr unsigned kMinTtl = 1;
constexpr unsigned kMaxTtl = 21600;

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Firecracker's sanitize_uri: every "//" collapsed.
std::string sanitize(std::string uri) {
  for (auto at = uri.find("//"); at != std::string::npos; at = uri.find("//"))
    uri.erase(at, 1);
  return uri;
}

const std::string* header(const MmdsRequest& r, const char* a, const char* b) {
  for (const char* name : {a, b}) {
    auto it = r.headers.find(name);
    if (it != r.headers.end()) return &it->second;
  }
  return nullptr;
}

MmdsAnswer text(int status, std::string body) {
  return MmdsAnswer{status, "text/plain", std::move(body), ""};
}

std::string imds_format(const nlohmann::json& v, bool* supported) {
  *supported = true;
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_object()) {
    *supported = false;
    return "";
  }
  std::string out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!out.empty()) out += "\n";
    out += it.key() + (it.value().is_object() ? "/" : "");
  }
  return out;
}

MmdsAnswer get(const MmdsRequest& r, const std::string& document_json) {
  std::string path = sanitize(r.path);
  if (!path.empty() && path.back() == '/') path.pop_back();
  const auto doc = nlohmann::json::parse(document_json, nullptr, false);
  const nlohmann::json* value = nullptr;
  try {
    const nlohmann::json::json_pointer pointer(path);
    if (doc.contains(pointer)) value = &doc.at(pointer);
  } catch (const nlohmann::json::exception&) {
    value = nullptr;  // not a JSON pointer: nothing is there
  }
  if (value == nullptr) return text(404, "Resource not found: " + r.path + ".");
  const std::string* accept = header(r, "accept", "accept");
  if (accept != nullptr && trim(*accept) == "application/json") {
    return MmdsAnswer{200, "application/json", value->dump(), ""};
  }
  bool supported = true;
  std::string body = imds_format(*value, &supported);
  if (!supported) return text(501, "Cannot retrieve value. The value has an unsupported type.");
  return text(200, std::move(body));
}

MmdsAnswer put_token(const MmdsRequest& r, MmdsTokens& tokens, MmdsTokens::Clock::time_point now) {
  if (header(r, "x-forwarded-for", "x-forwarded-for") != nullptr) {
    return text(400, "Unsupported header name. Key: X-Forwarded-For");
  }
  if (sanitize(r.path) != kTokenPath) return text(404, "Resource not found: " + r.path + ".");
  const char* ttl_name = "x-metadata-token-ttl-seconds";
  const std::string* ttl = header(r, ttl_name, "x-aws-ec2-metadata-token-ttl-seconds");
  if (ttl == nullptr) {
    return text(400,
                "Token time to live value not found. Use `X-metadata-token-ttl-seconds` or "
                "`X-aws-ec2-metadata-token-ttl-seconds` header to specify the token's lifetime.");
  }
  char* end = nullptr;
  const unsigned long seconds = std::strtoul(ttl->c_str(), &end, 10);
  if (ttl->empty() || *end != '\0' || (*ttl)[0] == '-') {
    return text(400, "Invalid value. Key:" + std::string(ttl_name) + "; Value:" + *ttl);
  }
  if (seconds < kMinTtl || seconds > kMaxTtl) {
    return text(400, "Invalid time to live value provided for token: " + *ttl +
                         ". Please provide a value between 1 and 21600.");
  }
  MmdsAnswer a = text(200, tokens.issue(static_cast<unsigned>(seconds), now));
  a.extra_header = "X-metadata-token-ttl-seconds: " + std::to_string(seconds);
  return a;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 501:
      return "Not Implemented";
    default:
      return "Error";
  }
}

}  // namespace

std::string MmdsTokens::issue(unsigned ttl_seconds, Clock::time_point now) {
  for (auto it = expiry_.begin(); it != expiry_.end();)
    it = it->second <= now ? expiry_.erase(it) : std::next(it);
  if (expiry_.size() >= kMaxTokens) expiry_.erase(expiry_.begin());
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  expiry_[token] = now + std::chrono::seconds(ttl_seconds);
  return token;
}

bool MmdsTokens::valid(const std::string& token, Clock::time_point now) const {
  auto it = expiry_.find(token);
  return it != expiry_.end() && it->second > now;
}

bool parse_mmds_request(const std::string& head, MmdsRequest* out) {
  std::istringstream in(head);
  std::string line;
  if (!std::getline(in, line)) return false;
  std::istringstream first(trim(line));
  std::string version;
  if (!(first >> out->method >> out->path >> version) || version.rfind("HTTP/1.", 0) != 0) {
    return false;
  }
  const auto query = out->path.find('?');
  if (query != std::string::npos) out->path.erase(query);
  if (out->path.empty() || out->path[0] != '/') return false;
  while (std::getline(in, line) && !trim(line).empty()) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) return false;
    out->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return true;
}

MmdsAnswer answer_mmds(const MmdsRequest& request, const std::string& document_json,
                       MmdsTokens& tokens, MmdsTokens::Clock::time_point now) {
  // Version 1: a token is not required, and one that is not valid is only
  // counted by Firecracker (a metric), not refused.
  if (request.method == "GET") return get(request, document_json);
  if (request.method == "PUT") return put_token(request, tokens, now);
  MmdsAnswer a = text(405, "Not allowed HTTP method.");
  a.extra_header = "Allow: GET, PUT";
  return a;
}

std::string mmds_response_text(const MmdsAnswer& a) {
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " " + reason(a.status) + "\r\n";
  out += "Server: Firecracker API\r\nConnection: close\r\n";
  out += "Content-Type: " + a.content_type + "\r\n";
  if (!a.extra_header.empty()) out += a.extra_header + "\r\n";
  out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
  return out;
}

}  // namespace ember::shim::qemu
