#include "app/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"

namespace lit::app {

using reconciler::ProgressEvent;
using reconciler::ProgressState;

namespace {

constexpr const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kBlue = "\x1b[34m";
constexpr const char* kReset = "\x1b[0m";

// Display width of UTF-8 text: code points, as every glyph used here is one column.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// At most `width` columns of s, cut on a code point boundary.
std::string fit(const std::string& s, size_t width) {
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == width) break;
  }
  return s.substr(0, i);
}

std::string pad(const std::string& s, size_t width) {
  size_t w = columns(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

size_t terminal_width(FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

bool is_terminal(FILE* out) {
  const char* term = std::getenv("TERM");
  return isatty(fileno(out)) && !(term && std::string(term) == "dumb");
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& value) {
  if (value == "auto") return ProgressMode::Auto;
  if (value == "tty") return ProgressMode::Tty;
  if (value == "plain") return ProgressMode::Plain;
  if (value == "json") return ProgressMode::Json;
  if (value == "quiet") return ProgressMode::Quiet;
  throw Error("invalid value \"" + value +
              "\" for flag --progress: use auto, tty, plain, json or quiet");
}

std::string plain_line(const ProgressEvent& e) {
  std::string line = " " + e.id + "  " + e.status;
  if (!e.text.empty()) line += ": " + e.text;
  return line + "\n";
}

std::string json_line(const ProgressEvent& e) {
  static constexpr const char* kStates[] = {"working", "done", "error"};
  nlohmann::json j = {
      {"id", e.id}, {"status", e.status}, {"state", kStates[static_cast<int>(e.state)]}};
  if (!e.text.empty()) j["text"] = e.text;
  return j.dump() + "\n";
}

std::vector<std::string> tty_frame(const std::string& title, const std::vector<ProgressItem>& items,
                                   ProgressClock::time_point now, unsigned tick, size_t width) {
  size_t done = 0, id_width = 0, status_width = 0;
  for (const auto& it : items) {
    done += it.finished();
    id_width = std::max(id_width, columns(it.last.id));
    status_width = std::max(status_width, columns(it.last.status));
  }
  std::vector<std::string> lines;
  lines.push_back(std::string(kBlue) + "[+] " + title + " " + std::to_string(done) + "/" +
                  std::to_string(items.size()) + kReset);
  for (const auto& it : items) {
    auto end = it.finished() ? it.ended : now;
    double secs = std::chrono::duration<double>(end - it.started).count();
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1fs", secs);
    std::string text = pad(it.last.id, id_width) + "  " + pad(it.last.status, status_width);
    if (!it.last.text.empty()) text += "  " + it.last.text;
    // Room for " X " before and " 12.3s" after.
    size_t room = width > 4 + columns(elapsed) + 1 ? width - 4 - columns(elapsed) - 1 : 0;
    text = pad(fit(text, room), room);
    std::string icon;
    switch (it.last.state) {
      case ProgressState::Working:
        icon = kSpinner[tick % std::size(kSpinner)];
        break;
      case ProgressState::Done:
        icon = std::string(kGreen) + "✔" + kReset;
        break;
      case ProgressState::Error:
        icon = std::string(kRed) + "✘" + kReset;
        break;
    }
    lines.push_back(" " + icon + " " + text + " " + elapsed);
  }
  return lines;
}

ProgressView::ProgressView(ProgressMode mode, std::string title, FILE* out)
    : mode_(mode), title_(std::move(title)), out_(out) {
  if (mode_ == ProgressMode::Auto)
    mode_ = is_terminal(out_) ? ProgressMode::Tty : ProgressMode::Plain;
  if (mode_ == ProgressMode::Tty) redrawer_ = std::thread([this] { redraw_loop(); });
}

ProgressView::~ProgressView() { stop(); }

reconciler::Progress ProgressView::sink() {
  return [this](const ProgressEvent& e) { on_event(e); };
}

void ProgressView::on_event(const ProgressEvent& e) {
  switch (mode_) {
    case ProgressMode::Quiet:
    case ProgressMode::Auto:
      return;
    case ProgressMode::Plain:
      std::fputs(plain_line(e).c_str(), out_);
      std::fflush(out_);
      return;
    case ProgressMode::Json:
      std::fputs(json_line(e).c_str(), out_);
      std::fflush(out_);
      return;
    case ProgressMode::Tty:
      break;
  }
  std::lock_guard lock(m_);
  auto now = ProgressClock::now();
  ProgressItem* item = nullptr;
  for (auto& it : items_)
    if (it.last.id == e.id) item = &it;
  if (!item) {
    items_.push_back({e, now, now});
    item = &items_.back();
  }
  item->last = e;
  if (item->finished()) item->ended = now;
}

void ProgressView::redraw_locked() {
  if (items_.empty()) return;
  auto lines = tty_frame(title_, items_, ProgressClock::now(), tick_++, terminal_width(out_));
  std::string out;
  if (drawn_lines_ > 0) out += "\x1b[" + std::to_string(drawn_lines_) + "A";
  for (const auto& l : lines) out += "\r\x1b[2K" + l + "\n";
  drawn_lines_ = lines.size();
  std::fputs(out.c_str(), out_);
  std::fflush(out_);
}

void ProgressView::redraw_loop() {
  std::unique_lock lock(m_);
  while (!stopping_) {
    redraw_locked();
    wake_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void ProgressView::stop() {
  {
    std::lock_guard lock(m_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (redrawer_.joinable()) redrawer_.join();
  std::lock_guard lock(m_);
  if (mode_ == ProgressMode::Tty) redraw_locked();
}

}  // namespace lit::app
