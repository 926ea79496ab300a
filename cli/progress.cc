#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/args.h"

namespace mv::cli {

namespace {
constexpr int kCells = 24;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - kRedrawEvery) {}

bool ProgressBar::StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

void ProgressBar::Update(int64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  Draw();
  std::fputc('\n', stderr);
  std::fflush(stderr);
  enabled_ = false;
}

void ProgressBar::Draw() {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r%s\x1b[K", RenderProgress(label_, done_, total_, elapsed).c_str());
  std::fflush(stderr);
}

std::string RenderProgress(const std::string& label, int64_t done, int64_t total,
                           double elapsed_seconds) {
  std::string line = label + " [";
  int filled = total > 0 ? static_cast<int>(std::min<int64_t>(done, total) * kCells / total) : 0;
  line += std::string(filled, '#') + std::string(kCells - filled, '.') + "] ";
  if (total > 0) {
    line += std::to_string(std::min<int64_t>(done, total) * 100 / total) + "% ";
  }
  line += FormatBytes(done);
  if (total > 0) line += " / " + FormatBytes(total);
  if (elapsed_seconds > 0.05) {
    line += "  " + FormatBytes(static_cast<int64_t>(static_cast<double>(done) / elapsed_seconds)) +
            "/s";
  }
  return line;
}

}  // namespace mv::cli
