#pragma once
// Internal to io/*.cpp (includes Asio). Reads a stream the way a server with
// many idle connections should: wait until the fd is readable, then read what
// is there into one buffer per thread, shared by every reader on it. The
// bytes are consumed before the handler returns, so an idle connection holds
// no read buffer (emberd keeps two readers per VM: with a buffer each, 5,000
// VMs held 18 KiB apiece).
#include <asio/error.hpp>

#include <cstddef>
#include <system_error>
#include <utility>
#include <vector>

namespace ember::io {

// The calling thread's read buffer, 64 KiB, made on first use.
inline std::vector<char>& thread_read_buffer() {
  thread_local std::vector<char> buf(64 * 1024);
  return buf;
}

// Calls on_data(const char* data, size_t n, std::error_code ec) once, on the
// loop thread, with n > 0 bytes read or with the error that ended the wait or
// the read (asio::error::eof at the end of the stream). A spurious wake-up
// waits again. on_data must keep `stream` alive (it owns what holds it).
template <class Stream, class OnData>
void read_when_ready(Stream& stream, OnData on_data) {
  stream.async_wait(Stream::wait_read,
                    [&stream, on_data = std::move(on_data)](const std::error_code& ec) mutable {
                      if (ec) return on_data(nullptr, 0, ec);
                      std::vector<char>& buf = thread_read_buffer();
                      std::error_code rec;
                      // Set once: each set is an ioctl, and this runs per read.
                      if (!stream.non_blocking()) stream.non_blocking(true, rec);
                      size_t n = rec ? 0 : stream.read_some(asio::buffer(buf), rec);
                      if (rec == asio::error::would_block || rec == asio::error::try_again)
                        return read_when_ready(stream, std::move(on_data));
                      on_data(buf.data(), n, rec);
                    });
}

}  // namespace ember::io
