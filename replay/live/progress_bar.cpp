#include "replay/live/progress_bar.hpp"

#include <ostream>
#include <string>

namespace ember::replay::live {

namespace {
constexpr std::size_t kWidth = 40;
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled) : out_(out), enabled_(enabled) {}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) return;
  // A terminal redraw per answer would cost more than the calls: redraw per
  // 0.1 % and at the end.
  const std::size_t permille = done * 1000 / total;
  if (permille == last_permille_ && done != total) return;
  last_permille_ = permille;
  const std::size_t filled = done * kWidth / total;
  out_ << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '-') << "] " << done
       << '/' << total << " calls" << std::flush;
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace ember::replay::live
