#pragma once
// Renderers of the applier's progress events, as docker compose's --progress:
// "tty" redraws a live view in place ("[+] Running 2/3", a spinner per
// resource, the time it took), "plain" writes one line per event, "json" one
// object per event, "quiet" nothing; "auto" is tty on a terminal, else plain.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reconciler/apply/progress.hpp"

namespace lit::app {

enum class ProgressMode { Auto, Tty, Plain, Json, Quiet };

// "auto", "tty", "plain", "json", "quiet"; throws lit::Error naming --progress.
ProgressMode parse_progress_mode(const std::string& value);

using ProgressClock = std::chrono::steady_clock;

// One resource in the live view.
struct ProgressItem {
  reconciler::ProgressEvent last;
  ProgressClock::time_point started{}, ended{};
  bool finished() const { return last.state != reconciler::ProgressState::Working; }
};

// The pure pieces, unit-tested.
std::string plain_line(const reconciler::ProgressEvent& e);
std::string json_line(const reconciler::ProgressEvent& e);
// The whole view: a title line and one line per item, each `width` - 1
// columns wide (so the terminal never wraps and a redraw covers the old text).
std::vector<std::string> tty_frame(const std::string& title, const std::vector<ProgressItem>& items,
                                   ProgressClock::time_point now, unsigned tick, size_t width);

// Writes the events of one command to `out` (stderr, as compose does).
class ProgressView {
 public:
  ProgressView(ProgressMode mode, std::string title, FILE* out = stderr);
  ProgressView(const ProgressView&) = delete;
  ProgressView& operator=(const ProgressView&) = delete;
  ~ProgressView();  // stop()

  // The callback for apply_plan; safe to call from any thread.
  reconciler::Progress sink();
  // Draws the final view (tty) and stops redrawing. Idempotent.
  void stop();

 private:
  void on_event(const reconciler::ProgressEvent& e);
  void redraw_locked();
  void redraw_loop();

  ProgressMode mode_;
  std::string title_;
  FILE* out_;
  std::mutex m_;
  std::condition_variable wake_;
  std::vector<ProgressItem> items_;
  size_t drawn_lines_ = 0;
  unsigned tick_ = 0;
  bool stopping_ = false;
  std::thread redrawer_;
};

}  // namespace lit::app
