#include "journal/journal_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "journal/journal_encoder.hpp"
#include "journal/journal_files.hpp"

namespace ember::journal {
namespace {

// At most one drop warning per second: a full queue must not flood the log.
constexpr int64_t kDropLogIntervalNanos = 1000000000;
// Group commit: the writer is woken when records start to wait, then lets
// them gather until this many wait or kGatherTime passed, so a busy emberd
// pays one wake-up and one write() per batch rather than per record.
constexpr size_t kWakeBatch = 4096;
constexpr std::chrono::milliseconds kGatherTime{10};

}  // namespace

int64_t mono_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status JournalWriter::start(WriterOptions opts, Header header,
                            std::unique_ptr<JournalWriter>* out) {
  if (opts.path.empty()) return Status::InvalidArgument("journal: empty path");
  if (opts.queue_records == 0) return Status::InvalidArgument("journal: queue_records is 0");
  auto files = std::make_unique<JournalFiles>(opts.path, opts.max_bytes, opts.max_files, header);
  if (files->room_in_new_file() == 0) {
    return Status::InvalidArgument("journal " + opts.path + ": max_bytes " +
                                   std::to_string(opts.max_bytes) +
                                   " leaves no room after the header");
  }
  Status s = files->open();
  if (!s.ok()) return Status(s.code(), "journal: " + s.message());
  out->reset(new JournalWriter(std::move(opts), std::move(header), std::move(files)));
  return Status::Ok();
}

JournalWriter::JournalWriter(WriterOptions opts, Header header, std::unique_ptr<JournalFiles> files)
    : opts_(std::move(opts)),
      start_mono_nanos_(header.start_mono_nanos()),
      files_(std::move(files)),
      room_in_new_file_(files_->room_in_new_file()),
      bytes_(files_->size()),
      thread_([this] { run(); }) {}

JournalWriter::~JournalWriter() {
  {
    std::lock_guard<AdaptiveMutex> lock(mu_);
    stopping_ = true;
    held_ = false;
  }
  wake_.notify_one();
  thread_.join();
  log_drops(true);
}

void JournalWriter::append(const entry::Any& what) {
  if (!enabled()) return;
  bool wake = false;
  {
    std::lock_guard<AdaptiveMutex> lock(mu_);
    const uint64_t seq = next_seq_++;
    if (queue_.sizes.size() >= opts_.queue_records) {
      ++dropped_pending_;
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const entry::Stamp stamp{seq, mono_nanos_now() - start_mono_nanos_,
                             std::exchange(dropped_pending_, 0)};
    const size_t before = queue_.bytes.size();
    RecordEncoder::append(stamp, what, &queue_.bytes);  // no allocation once grown
    queue_.sizes.push_back(static_cast<uint32_t>(queue_.bytes.size() - before));
    ++queued_total_;
    // The writer sleeps on an empty queue, or gathers until kWakeBatch.
    wake = queue_.sizes.size() == 1 || queue_.sizes.size() == kWakeBatch;
  }
  if (wake) wake_.notify_one();
}

void JournalWriter::set_enabled(bool on) {
  if (!on) {
    enabled_.store(false);
    return;
  }
  if (!enabled_.exchange(true)) rotate();
}

void JournalWriter::rotate() {
  enqueue_marker(true, nullptr);
}

void JournalWriter::when_written(std::function<void()> fn) {
  enqueue_marker(false, std::move(fn));
}

// Markers are not records: they are queued even when the queue is full.
void JournalWriter::enqueue_marker(bool rotate, std::function<void()> then) {
  {
    std::lock_guard<AdaptiveMutex> lock(mu_);
    queue_.markers.push_back(Marker{queue_.sizes.size(), rotate, std::move(then)});
    ++queued_total_;
  }
  wake_.notify_one();
}

void JournalWriter::flush() {
  std::unique_lock<AdaptiveMutex> lock(mu_);
  const uint64_t target = queued_total_;
  drained_.wait(lock, [&] { return handled_total_ >= target; });
}

void JournalWriter::hold_for_test(bool held) {
  {
    std::lock_guard<AdaptiveMutex> lock(mu_);
    held_ = held;
  }
  wake_.notify_one();
}

WriterStats JournalWriter::stats() const {
  WriterStats s;
  s.enabled = enabled();
  s.records_written = written_.load();
  s.dropped = dropped_.load();
  s.bytes = bytes_.load();
  s.files = files_started_.load();
  return s;
}

void JournalWriter::Batch::clear() {
  bytes.clear();
  sizes.clear();
  markers.clear();
}

void JournalWriter::run() {
  // Swapped with queue_: both keep their capacity, so appending stops
  // allocating once they have grown.
  Batch batch;
  std::unique_lock<AdaptiveMutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || (!held_ && queue_.items() > 0); });
    if (queue_.items() == 0) break;  // stopping, and everything is written
    // A marker (someone waits for it) or a full batch goes at once.
    wake_.wait_for(lock, kGatherTime, [&] {
      return stopping_ || !queue_.markers.empty() || queue_.sizes.size() >= kWakeBatch;
    });
    if (held_ && !stopping_) continue;
    std::swap(batch, queue_);
    lock.unlock();
    const size_t n = batch.items();
    write_batch(batch);
    batch.clear();
    log_drops();
    lock.lock();
    handled_total_ += n;
    drained_.notify_all();
  }
}

// Records go out in chunks, one write() each: the longest runs that fit in
// the current file.
void JournalWriter::write_batch(Batch& batch) {
  const std::string_view bytes = batch.bytes;
  size_t chunk_start = 0, offset = 0;
  uint64_t chunk_records = 0;
  size_t next_marker = 0;
  auto flush = [&] {
    write_chunk(bytes.substr(chunk_start, offset - chunk_start), chunk_records);
    chunk_start = offset;
    chunk_records = 0;
  };
  for (size_t i = 0; i <= batch.sizes.size(); ++i) {
    for (; next_marker < batch.markers.size() && batch.markers[next_marker].before == i;
         ++next_marker) {
      flush();
      Marker& m = batch.markers[next_marker];
      if (m.rotate) rotate_file();
      if (m.then) m.then();
    }
    if (i == batch.sizes.size()) break;
    const size_t size = batch.sizes[i];
    bool keep = size <= room_in_new_file_;  // larger would break the size bound
    if (keep && offset - chunk_start + size > files_->room()) {
      flush();
      keep = rotate_file();
    }
    if (!keep) {
      flush();
      dropped_.fetch_add(1);
      chunk_start = offset + size;
    } else {
      ++chunk_records;
    }
    offset += size;
  }
  flush();
}

void JournalWriter::write_chunk(std::string_view chunk, uint64_t records) {
  if (chunk.empty()) return;
  Status s = files_->write(chunk);
  if (s.ok()) {
    written_.fetch_add(records);
    bytes_.fetch_add(chunk.size());
  } else {
    spdlog::error("journal: {}", s.message());
    dropped_.fetch_add(records);
  }
}

bool JournalWriter::rotate_file() {
  Status s = files_->rotate();
  if (!s.ok()) {
    spdlog::error("journal: {}", s.message());
    return false;
  }
  files_started_.fetch_add(1);
  bytes_.fetch_add(files_->size());
  room_in_new_file_ = files_->room_in_new_file();
  return true;
}

// Drops happen on any thread; the writer reports them, at most once per
// kDropLogIntervalNanos, and once more at the last call.
void JournalWriter::log_drops(bool last) {
  const uint64_t dropped = dropped_.load();
  if (dropped == dropped_logged_) return;
  const int64_t now = mono_nanos_now();
  if (now - last_drop_log_nanos_ < kDropLogIntervalNanos) {
    if (!last) return;
  }
  last_drop_log_nanos_ = now;
  spdlog::warn(
      "journal {}: {} record(s) dropped (queue of {} full, record too large or write "
      "failed); {} in all",
      opts_.path, dropped - dropped_logged_, opts_.queue_records, dropped);
  dropped_logged_ = dropped;
}

}  // namespace ember::journal
