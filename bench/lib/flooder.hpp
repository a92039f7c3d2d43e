#pragma once
// Flooder: one hostile client of emberd on its own connection and threads,
// pipelining one request frame over and over. `unread` never reads a reply
// (it writes until emberd stops reading, then waits for room); `fast` writes
// as fast as the socket takes frames and reads every reply.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "base/status.hpp"
#include "base/unique_fd.hpp"

namespace ember::bench {

class Flooder {
 public:
  enum class Mode { unread, fast };
  // service/method/payload and the namespace make the frame it repeats.
  Flooder(std::string address, std::string ns, std::string method, std::string payload);
  ~Flooder();  // stop()
  Flooder(const Flooder&) = delete;
  Flooder& operator=(const Flooder&) = delete;

  // Connects and starts its threads.
  Status start(Mode mode);
  // Stops writing and reading, closes the connection, joins.
  void stop();

  uint64_t sent() const { return sent_.load(); }          // whole frames written
  uint64_t answered() const { return answered_.load(); }  // replies read (fast)

 private:
  void write_unread();
  void write_fast();
  void read_replies();
  // The next `n` frames (odd stream ids from where the last batch ended).
  std::string batch(uint32_t n);

  std::string address_, ns_, method_, payload_;
  UniqueFd fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> answered_{0};
  uint32_t next_stream_ = 1;
  std::thread writer_, reader_;
};

}  // namespace ember::bench
