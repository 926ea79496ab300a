// A one-line progress bar for push and pull, drawn on stderr, and only when stdout is a
// terminal: in CI logs and pipes it stays silent.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mv::cli {

// Not thread-safe; one bar per transfer, used from the thread doing the transfer.
class ProgressBar {
 public:
  // `total` in bytes (0: unknown). Draws nothing when `enabled` is false.
  ProgressBar(std::string label, int64_t total, bool enabled);
  // Sets the bytes done so far; redraws at most ten times a second.
  void Update(int64_t done);
  // Draws the final state and ends the line; later calls do nothing.
  void Finish();

  // Whether push/pull should draw: stdout is a terminal.
  static bool StdoutIsTerminal();

 private:
  void Draw();

  std::string label_;
  int64_t total_;
  bool enabled_;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// The bar's text (without the leading '\r'): label, a 24-cell bar, percent, bytes, rate.
std::string RenderProgress(const std::string& label, int64_t done, int64_t total,
                           double elapsed_seconds);

}  // namespace mv::cli
