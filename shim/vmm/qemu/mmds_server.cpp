#include "shim/vmm/qemu/mmds_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "base/errno_status.hpp"

namespace ember::shim::qemu {
namespace {

constexpr size_t kMaxHead = 16 * 1024;
constexpr int kIoTimeoutMs = 5000;  // a client that stalls longer is dropped

bool wait_for(int fd, short events) {
  pollfd p{fd, events, 0};
  int r;
  while ((r = ::poll(&p, 1, kIoTimeoutMs)) < 0 && errno == EINTR) {
  }
  return r > 0;
}

// The request head (through the blank line), or "" when the client sent
// none in time.
std::string read_head(int fd) {
  std::string head;
  char buf[2048];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxHead) {
    if (!wait_for(fd, POLLIN)) return "";
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "";
    head.append(buf, static_cast<size_t>(n));
  }
  const auto end = head.find("\r\n\r\n");
  return end == std::string::npos ? "" : head.substr(0, end + 4);
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN && wait_for(fd, POLLOUT)) {
      continue;
    } else {
      return;
    }
  }
}

}  // namespace

Status MmdsServer::start(const std::string& path, std::unique_ptr<MmdsServer>* out) {
  std::unique_ptr<MmdsServer> server(new MmdsServer());
  Status s = io::bind_listener(path, &server->socket_, 16);
  if (!s.ok()) return s;
  server->stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!server->stop_) return errno_status("mmds eventfd", errno);
  server->thread_ = std::thread([raw = server.get()] { raw->serve(); });
  *out = std::move(server);
  return Status::Ok();
}

MmdsServer::~MmdsServer() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

void MmdsServer::set_document(std::string json) {
  std::lock_guard<std::mutex> lock(mu_);
  document_ = std::move(json);
}

std::string MmdsServer::document() {
  std::lock_guard<std::mutex> lock(mu_);
  return document_;
}

void MmdsServer::serve() {
  for (;;) {
    pollfd fds[2] = {{socket_.fd(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("mmds: poll: errno {}", errno);
      return;
    }
    if (fds[1].revents != 0) return;
    UniqueFd connection(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (connection) answer(connection.get());
  }
}

void MmdsServer::answer(int connection) {
  const std::string head = read_head(connection);
  if (head.empty()) return;
  MmdsRequest request;
  MmdsAnswer a;
  if (!parse_mmds_request(head, &request)) {
    a = MmdsAnswer{400, "text/plain", "Invalid request.", ""};
  } else {
    a = answer_mmds(request, document(), tokens_, MmdsTokens::Clock::now());
  }
  write_all(connection, mmds_response_text(a));
}

}  // namespace ember::shim::qemu
