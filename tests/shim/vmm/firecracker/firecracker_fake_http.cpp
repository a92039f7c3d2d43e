#include "tests/shim/vmm/firecracker/firecracker_fake_http.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <list>
#include <string>
#include <vector>

namespace ember::fakefc {
namespace {

struct Connection {
  UniqueFd fd;
  std::string in;
};

enum class Parse { incomplete, request, refuse };

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Takes one request off the front of `in` when it is complete.
Parse parse(std::string& in, std::size_t max_payload, HttpRequest* req, bool* close_after,
            HttpResponse* refusal) {
  const auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return Parse::incomplete;
  const std::string head = in.substr(0, head_end);
  const auto line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) {
    *refusal = fault("Invalid request: malformed request line.");
    return Parse::refuse;
  }
  req->method = request_line.substr(0, sp1);
  req->path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t content_length = 0;
  *close_after = false;
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    pos = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    if (name == "content-length") content_length = std::strtoull(value.c_str(), nullptr, 10);
    if (name == "connection" && lower(value) == "close") *close_after = true;
    if (name == "transfer-encoding") {
      *refusal = fault("Invalid request: transfer encoding is not supported.");
      return Parse::refuse;
    }
  }
  if (content_length > max_payload) {
    *refusal = fault("Request payload with size " + std::to_string(content_length) +
                     " is larger than the limit of " + std::to_string(max_payload) +
                     " allowed by server.\nAll previous unanswered requests will be dropped.");
    return Parse::refuse;
  }
  const std::size_t body_start = head_end + 4;
  if (in.size() < body_start + content_length) return Parse::incomplete;
  req->body = in.substr(body_start, content_length);
  in.erase(0, body_start + content_length);
  return Parse::request;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    default:
      return "Internal Server Error";
  }
}

bool write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool respond(int fd, const HttpResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) +
                    "\r\nServer: Firecracker API\r\nConnection: keep-alive\r\n";
  if (r.status != 204) {
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(r.body.size()) +
           "\r\n";
  }
  out += "\r\n";
  if (r.status != 204) out += r.body;
  return write_all(fd, out);
}

}  // namespace

FakeHttpServer::~FakeHttpServer() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status FakeHttpServer::listen(const std::string& path, std::size_t max_payload) {
  max_payload_ = max_payload;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return Status::InvalidArgument("path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket", errno);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == EADDRINUSE)
      return Status::AlreadyExists("Failed to open the API socket: " + path + ": Address in use");
    return Status::FromErrno("bind " + path, err);
  }
  path_ = path;
  if (::listen(fd.get(), 64) != 0) return Status::FromErrno("listen " + path, errno);
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return Status::FromErrno("pipe2", errno);
  wake_read_.reset(p[0]);
  wake_write_.reset(p[1]);
  listen_fd_ = std::move(fd);
  return Status::Ok();
}

void FakeHttpServer::stop() {
  const char c = 'x';
  if (wake_write_) (void)!::write(wake_write_.get(), &c, 1);
}

void FakeHttpServer::serve(const Handler& handler, const std::function<bool()>& finished) {
  std::list<Connection> conns;
  for (;;) {
    std::vector<pollfd> fds = {{wake_read_.get(), POLLIN, 0}, {listen_fd_.get(), POLLIN, 0}};
    for (const auto& c : conns)
      fds.push_back({c.fd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;
    if (fds[1].revents & POLLIN) {
      UniqueFd c(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (c) conns.push_back(Connection{std::move(c), {}});
    }
    std::size_t i = 2;
    for (auto it = conns.begin(); it != conns.end() && i < fds.size(); ++i) {
      if (fds[i].revents == 0) {
        ++it;
        continue;
      }
      char buf[65536];
      const ssize_t n = ::recv(it->fd.get(), buf, sizeof(buf), 0);
      bool keep = n > 0;
      if (keep) it->in.append(buf, static_cast<std::size_t>(n));
      for (;;) {
        if (!keep) break;
        HttpRequest req;
        HttpResponse refusal;
        bool close_after = false;
        const Parse p = parse(it->in, max_payload_, &req, &close_after, &refusal);
        if (p == Parse::incomplete) break;
        if (p == Parse::refuse) {
          respond(it->fd.get(), refusal);
          keep = false;
          break;
        }
        keep = respond(it->fd.get(), handler(req)) && !close_after;
        if (finished && finished()) return;
      }
      it = keep ? std::next(it) : conns.erase(it);
    }
  }
}

}  // namespace ember::fakefc
