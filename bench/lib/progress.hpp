#pragma once
// A progress bar on stderr while a bench phase runs, redrawn at most every
// 100 ms. Draws nothing at all when stderr is not a terminal, so logs and
// pipes stay clean.
#include <chrono>
#include <cstddef>
#include <string>

namespace ember::bench {

class Progress {
 public:
  // enabled: usually isatty(STDERR_FILENO) (see for_stderr()).
  explicit Progress(bool enabled) : enabled_(enabled) {}
  static Progress for_stderr();
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A new phase: label and the number of steps it has.
  void start(const std::string& label, size_t total);
  // done of total steps finished, failed of them failed. One thread at a
  // time (the loop thread while a phase runs).
  void update(size_t done, size_t failed);
  // Ends the phase's line.
  void finish();

 private:
  void draw(size_t done, size_t failed);

  bool enabled_;
  bool active_ = false;
  std::string label_;
  size_t total_ = 0;
  size_t last_done_ = 0;
  size_t last_failed_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ember::bench
