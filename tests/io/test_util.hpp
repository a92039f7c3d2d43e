#pragma once
// Helpers shared by the io tests: temp dirs, a running loop, raw sockets.
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "io/ttrpc/frame.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::testing {

using TempDir = testsupport::TempTree;

// Runs fn on the loop thread and waits for it.
inline void run_on_loop(io::EventLoop& loop, const std::function<void()>& fn) {
  loop.run_and_wait(fn);
}

// Polls cond every millisecond until true or the timeout passes.
inline bool wait_for(const std::function<bool()>& cond,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// True once the loop thread is blocked waiting for work, the event that proves
// a negative ("this callback never runs") without a fixed sleep. Asio blocks
// only with no handler queued: in epoll_wait, which blocks only while nothing
// the loop watches (fds, timers, posts) is ready, or, before the loop's first
// fd or timer, on its condition variable (a futex), woken by any post. So what
// has not run by then cannot run until something new happens. Only for tests
// where no other thread uses the loop meanwhile (that would also take the futex).
// False if the loop does not answer a post or never blocks within the timeout.
inline bool wait_until_idle(io::EventLoop& loop,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto tid = std::make_shared<std::promise<long>>();
  auto answer = tid->get_future();
  loop.post([tid] { tid->set_value(::syscall(SYS_gettid)); });
  if (answer.wait_for(timeout) != std::future_status::ready) return false;
  const std::string path = "/proc/self/task/" + std::to_string(answer.get()) + "/syscall";
  return wait_for(
      [&] {
        // "<number> <args...>" while blocked in a system call, "running" otherwise.
        const std::string now = read_file(path).value_or("running");
        if (now.rfind("running", 0) == 0) return false;
        const long nr = std::atol(now.c_str());
        return nr == SYS_epoll_pwait || nr == SYS_futex
#ifdef SYS_epoll_wait
               || nr == SYS_epoll_wait
#endif
            ;
      },
      timeout);
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads exactly n bytes, waiting at most timeout_ms in total. Returns the
// number read (< n on EOF, error or timeout).
inline size_t read_exact(int fd, char* buf, size_t n, int timeout_ms = 10000) {
  size_t got = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (got < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    end - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return got;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return got;
    ssize_t k = ::read(fd, buf + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return got;
    got += static_cast<size_t>(k);
  }
  return got;
}

// Reads one frame. False on EOF/timeout.
inline bool read_frame(int fd, ttrpc::FrameHeader* h, std::string* body, int timeout_ms = 10000) {
  unsigned char hdr[ttrpc::kHeaderSize];
  if (read_exact(fd, reinterpret_cast<char*>(hdr), sizeof(hdr), timeout_ms) != sizeof(hdr)) {
    return false;
  }
  *h = ttrpc::decode_header(hdr);
  body->assign(h->length, '\0');
  return read_exact(fd, body->data(), h->length, timeout_ms) == h->length;
}

// Reads one response frame and decodes it.
inline bool read_response(int fd, uint32_t* sid, ttrpc::CallResult* r, int timeout_ms = 10000) {
  ttrpc::FrameHeader h;
  std::string body;
  if (!read_frame(fd, &h, &body, timeout_ms)) return false;
  if (h.type != ttrpc::kTypeResponse) return false;
  *sid = h.stream_id;
  return ttrpc::decode_response(body, r);
}

inline std::string request_frame(uint32_t sid, const std::string& service,
                                 const std::string& method, const std::string& payload = {},
                                 int64_t timeout_nano = 0) {
  ttrpc::Request req;
  req.service = service;
  req.method = method;
  req.payload = payload;
  req.timeout_nano = timeout_nano;
  return ttrpc::encode_frame(sid, ttrpc::kTypeRequest, ttrpc::encode_request(req));
}

// True when the peer closed: read() returns 0 (or ECONNRESET) within timeout.
inline bool wait_eof(int fd, int timeout_ms = 10000) {
  char c;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    end - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t k = ::read(fd, &c, 1);
    if (k == 0) return true;
    if (k < 0 && errno == ECONNRESET) return true;
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return false;
    // data: keep reading until EOF
  }
}

}  // namespace ember::testing
