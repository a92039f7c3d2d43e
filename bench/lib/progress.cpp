#include "bench/lib/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace ember::bench {
namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr size_t kBarWidth = 30;

}  // namespace

Progress Progress::for_stderr() {
  return Progress(::isatty(STDERR_FILENO) == 1);
}

void Progress::start(const std::string& label, size_t total) {
  finish();
  if (!enabled_) return;
  active_ = true;
  label_ = label;
  total_ = total;
  last_done_ = 0;
  last_failed_ = 0;
  started_ = std::chrono::steady_clock::now();
  last_draw_ = started_;
  draw(0, 0);
}

void Progress::update(size_t done, size_t failed) {
  if (!active_) return;
  last_done_ = done;
  last_failed_ = failed;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery && done < total_) return;
  last_draw_ = now;
  draw(done, failed);
}

void Progress::finish() {
  if (!active_) return;
  draw(last_done_, last_failed_);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  active_ = false;
}

void Progress::draw(size_t done, size_t failed) {
  const size_t filled = total_ > 0 ? done * kBarWidth / total_ : kBarWidth;
  char bar[kBarWidth + 1];
  for (size_t i = 0; i < kBarWidth; ++i)
    bar[i] = i < filled ? '#' : '.';
  bar[kBarWidth] = '\0';
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double per_s = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  // \r and clear-to-end-of-line: redraw in place.
  std::fprintf(stderr, "\r%-12s [%s] %zu/%zu  %.0f/s", label_.c_str(), bar, done, total_, per_s);
  if (failed > 0) std::fprintf(stderr, "  %zu failed", failed);
  std::fputs("\x1b[K", stderr);
  std::fflush(stderr);
}

}  // namespace ember::bench
