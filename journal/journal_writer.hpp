#pragma once
// JournalWriter: records journal entries off the hot path. append() numbers
// an entry and encodes it as a Record (messages/journal.proto) onto the
// queue under a short lock, allocating nothing once the queue has grown;
// one background thread writes the queue to JournalFiles, rotating as needed.
// The queue is bounded: when it is full a record is dropped and counted (the
// next written record carries dropped_before, and the writer logs a
// rate-limited warning). append() never blocks on I/O.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/adaptive_mutex.hpp"
#include "base/status.hpp"
#include "journal.pb.h"
#include "journal/journal_entry.hpp"

namespace ember::journal {

class JournalFiles;

struct WriterOptions {
  std::string path;
  uint64_t max_bytes = uint64_t{64} << 20;  // per file
  uint32_t max_files = 4;                   // the current file and path.1 .. path.<max_files-1>
  size_t queue_records = 65536;             // records waiting for the writer thread
};

struct WriterStats {
  bool enabled = false;
  uint64_t records_written = 0;
  uint64_t dropped = 0;  // queue full, record too large, or a failed write
  uint64_t bytes = 0;    // written since start, headers included
  uint64_t files = 0;    // files started since start
};

class JournalWriter {
 public:
  // Opens the first file (an existing journal at path is rotated aside) and
  // starts the writer thread. header's start_mono_nanos is the zero of every
  // record's mono_nanos. Errors name the path.
  static Status start(WriterOptions opts, Header header, std::unique_ptr<JournalWriter>* out);
  // Writes what is queued, then joins the writer thread.
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Any thread. Numbers the entry (seq from 1, mono_nanos), then queues it,
  // or drops and counts it when the queue is full. Nothing when disabled.
  void append(const entry::Any& what);
  // A relaxed read: the one branch a disabled journal costs its callers.
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Off: records are ignored. On again: a new file starts, so a gap in the
  // recording is always a file boundary.
  void set_enabled(bool on);
  // Starts a new file after the records queued so far.
  void rotate();
  // Waits until everything queued so far is written (or dropped).
  void flush();
  // Runs fn on the writer thread once everything queued so far is written
  // (or dropped): a reply that reports stats() without blocking its caller.
  void when_written(std::function<void()> fn);
  WriterStats stats() const;
  const std::string& path() const { return opts_.path; }

  // Test hook: while held, the writer thread takes nothing from the queue, so
  // a test can fill it deterministically. The destructor releases it.
  void hold_for_test(bool held);

 private:
  // Before record `before` of the queue: rotate here, and/or call `then`.
  struct Marker {
    size_t before = 0;
    bool rotate = false;
    std::function<void()> then;
  };
  void enqueue_marker(bool rotate, std::function<void()> then);
  JournalWriter(WriterOptions opts, Header header, std::unique_ptr<JournalFiles> files);
  void run();
  struct Batch {
    std::string bytes;            // records, back to back
    std::vector<uint32_t> sizes;  // of each record in bytes
    std::vector<Marker> markers;  // in order
    size_t items() const { return sizes.size() + markers.size(); }
    void clear();
  };
  void write_batch(Batch& batch);
  void write_chunk(std::string_view chunk, uint64_t records);
  bool rotate_file();  // false (logged) when the new file could not be started
  void log_drops(bool last = false);

  const WriterOptions opts_;
  const int64_t start_mono_nanos_;
  std::unique_ptr<JournalFiles> files_;  // writer thread only (after start)
  uint64_t room_in_new_file_;            // writer thread only: records larger are dropped
  std::atomic<bool> enabled_{true};

  // Taken by every thread that records (the I/O thread, the actors' threads)
  // for a few hundred nanoseconds each: it spins before it sleeps.
  mutable AdaptiveMutex mu_;
  std::condition_variable_any wake_;     // the writer thread: work, or stop
  std::condition_variable_any drained_;  // flush(): the writer caught up
  Batch queue_;                          // guarded by mu_
  uint64_t next_seq_ = 1;                // guarded by mu_
  uint64_t dropped_pending_ = 0;         // guarded by mu_: for the next queued record
  uint64_t queued_total_ = 0;            // guarded by mu_: records and markers ever queued
  uint64_t handled_total_ = 0;           // guarded by mu_: those the writer finished
  bool held_ = false;                    // guarded by mu_
  bool stopping_ = false;                // guarded by mu_

  std::atomic<uint64_t> written_{0}, dropped_{0}, bytes_{0}, files_started_{1};
  // Writer thread only: the rate limit of the drop warning.
  int64_t last_drop_log_nanos_ = 0;
  uint64_t dropped_logged_ = 0;

  std::thread thread_;  // last: started once everything above exists
};

// The monotonic clock in nanoseconds (CLOCK_MONOTONIC), as records use it.
int64_t mono_nanos_now();

}  // namespace ember::journal
