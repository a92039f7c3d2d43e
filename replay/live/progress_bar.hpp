#pragma once
// A one-line progress bar on a terminal ("[#####-----] 120/400 calls"),
// redrawn in place. Disabled (draws nothing) when the stream is not a
// terminal, so logs and pipes stay clean.
#include <cstddef>
#include <iosfwd>

namespace ember::replay::live {

class ProgressBar {
 public:
  // enabled: the caller checked that `out` is a terminal (isatty).
  ProgressBar(std::ostream& out, bool enabled);
  // Redraws when the drawn width or the count changed enough to show.
  void update(std::size_t done, std::size_t total);
  // Erases the bar, leaving the line clean for what follows.
  void finish();

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  std::size_t last_permille_ = static_cast<std::size_t>(-1);
};

}  // namespace ember::replay::live
