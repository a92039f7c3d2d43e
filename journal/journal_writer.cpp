#include "journal/journal_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "journal/journal_files.hpp"

namespace ember::journal {
namespace {

// At most one drop warning per second: a full queue must not flood the log.
constexpr int64_t kDropLogIntervalNanos = 1000000000;
// Group commit: the writer is woken when records start to wait, then lets
// them gather until this many wait or kGatherTime passed, so a busy emberd
// pays one wake-up and one write() per batch rather than per record.
constexpr size_t kWakeBatch = 256;
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
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    held_ = false;
  }
  wake_.notify_one();
  thread_.join();
  // Drops after the last written record were never carried by one.
  const uint64_t unlogged = dropped_since_log_ + dropped_pending_;
  if (unlogged > 0)
    spdlog::warn("journal {}: {} record(s) dropped; {} in all", opts_.path, unlogged,
                 dropped_.load());
}

void JournalWriter::append(entry::Any what) {
  if (!enabled()) return;
  bool was_empty = false;
  size_t queue_size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t seq = next_seq_++;
    if (queue_.size() >= opts_.queue_records) {
      ++dropped_pending_;
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    was_empty = queue_.empty();
    // No allocation once the vector has grown.
    queue_.push_back(entry::Numbered{seq, mono_nanos_now() - start_mono_nanos_,
                                     std::exchange(dropped_pending_, 0), std::move(what)});
    queue_size = queue_.size();
    ++queued_total_;
  }
  // The writer sleeps on an empty queue, or gathers until kWakeBatch.
  if (was_empty || queue_size == kWakeBatch) wake_.notify_one();
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
    std::lock_guard<std::mutex> lock(mu_);
    markers_.push_back(Marker{queue_.size(), rotate, std::move(then)});
    ++queued_total_;
  }
  wake_.notify_one();
}

void JournalWriter::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_total_;
  drained_.wait(lock, [&] { return handled_total_ >= target; });
}

void JournalWriter::hold_for_test(bool held) {
  {
    std::lock_guard<std::mutex> lock(mu_);
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

void JournalWriter::run() {
  // Swapped with queue_ and markers_: both keep their capacity, so appending
  // stops allocating once they have grown.
  std::vector<entry::Numbered> records;
  std::vector<Marker> markers;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto waiting = [&] { return !queue_.empty() || !markers_.empty(); };
    wake_.wait(lock, [&] { return stopping_ || (!held_ && waiting()); });
    if (!waiting()) break;  // stopping, and everything is written
    // A marker (someone waits for it) or a full batch goes at once.
    wake_.wait_for(lock, kGatherTime,
                   [&] { return stopping_ || !markers_.empty() || queue_.size() >= kWakeBatch; });
    if (held_ && !stopping_) continue;
    records.swap(queue_);
    markers.swap(markers_);
    lock.unlock();
    const size_t n = records.size() + markers.size();
    write_batch(records, markers);
    records.clear();
    markers.clear();
    lock.lock();
    handled_total_ += n;
    drained_.notify_all();
  }
}

// Records are gathered into one buffer per file and written with one write().
void JournalWriter::write_batch(const std::vector<entry::Numbered>& records,
                                std::vector<Marker>& markers) {
  std::string& pending = pending_;  // keeps its capacity from batch to batch
  size_t next_marker = 0;
  for (size_t i = 0; i <= records.size(); ++i) {
    for (; next_marker < markers.size() && markers[next_marker].before == i; ++next_marker) {
      flush_pending(&pending);
      Marker& m = markers[next_marker];
      if (m.rotate) rotate_file();
      if (m.then) m.then();
    }
    if (i < records.size()) write_entry(records[i], &pending);
  }
  flush_pending(&pending);
}

void JournalWriter::write_entry(const entry::Numbered& e, std::string* pending) {
  if (e.dropped_before > 0) note_dropped(e.dropped_before);
  const size_t size = RecordEncoder::delimited_size(e);
  if (size > room_in_new_file_) {  // would break the size bound
    dropped_.fetch_add(1);
    note_dropped(1);
    return;
  }
  if (pending->size() + size > files_->room()) {
    flush_pending(pending);
    if (!rotate_file()) {
      dropped_.fetch_add(1);
      note_dropped(1);
      return;
    }
  }
  RecordEncoder::append(e, pending);
  ++pending_records_;
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

void JournalWriter::flush_pending(std::string* pending) {
  if (pending->empty()) return;
  Status s = files_->write(*pending);
  if (s.ok()) {
    written_.fetch_add(pending_records_);
    bytes_.fetch_add(pending->size());
  } else {
    spdlog::error("journal: {}", s.message());
    dropped_.fetch_add(pending_records_);
    note_dropped(pending_records_);
  }
  pending->clear();
  pending_records_ = 0;
}

void JournalWriter::note_dropped(uint64_t n) {
  dropped_since_log_ += n;
  const int64_t now = mono_nanos_now();
  if (now - last_drop_log_nanos_ < kDropLogIntervalNanos) return;
  last_drop_log_nanos_ = now;
  spdlog::warn(
      "journal {}: {} record(s) dropped (queue of {} full, record too large or write "
      "failed); {} in all",
      opts_.path, std::exchange(dropped_since_log_, 0), opts_.queue_records, dropped_.load());
}

}  // namespace ember::journal
