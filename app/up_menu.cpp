#include "app/up_menu.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "runtime/util/error.hpp"

namespace lit::app {

namespace {

// compose's colors: the key black on white and bold, its text faint.
std::string key(const char* k) {
  return std::string("\x1b[38;2;0;0;0;48;2;255;255;255;1m") + k + "\x1b[0m";
}
std::string faint(const std::string& text) { return "\x1b[2m" + text + "\x1b[0m"; }

unsigned short terminal_rows() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 1) return ws.ws_row;
  return 24;
}

// One write: the tty keeps it whole between the log lines other threads write.
void put(const std::string& text) {
  std::fflush(stdout);
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

constexpr const char* kWatchNotConfigured =
    "watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/";

}  // namespace

bool go_bool(std::string_view text) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == t) return true;
  return false;
}

bool menu_enabled(std::optional<bool> flag, const char* env, bool terminal,
                  const std::string& progress) {
  if (!terminal || progress == "plain") return false;
  if (flag) return *flag;
  if (env) return go_bool(env);
  return true;
}

std::string menu_line(bool watching) {
  return key("w") + faint(watching ? " Disable Watch" : " Enable Watch");
}

UpMenu::UpMenu(Context& ctx, const reconciler::Project& project, std::vector<std::string> services,
               std::optional<UpWatch>& watch)
    : ctx_(ctx), project_(project), services_(std::move(services)), watch_(watch) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) throw Error::sys("pipe", "menu", errno);
  stop_read_ = UniqueFd(pipe_fds[0]);
  stop_write_ = UniqueFd(pipe_fds[1]);
  // Keys come one at a time, unechoed; Ctrl-C still raises SIGINT (ISIG kept).
  if (::tcgetattr(STDIN_FILENO, &saved_) < 0)
    throw Error::sys("read the terminal's mode", {}, errno);
  termios raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
    throw Error::sys("set the terminal's mode", {}, errno);
  draw();
  // The key reader takes no signal: Ctrl-C's SIGINT stays the attach's (a
  // thread without it blocked would die of it), and so does the watcher it forks.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  keys_ = std::thread([this] { read_keys(); });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

UpMenu::~UpMenu() {
  (void)!::write(stop_write_.get(), "x", 1);
  if (keys_.joinable()) keys_.join();
  std::lock_guard lock(m_);
  // The menu line cleared, the whole screen scrolling again (DECSTBM moves
  // the cursor: saved and restored around it).
  put("\x1b"
      "7\x1b[" +
      std::to_string(rows_) +
      ";1H\x1b[2K\x1b[r\x1b"
      "8");
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

// The logs scroll in rows 1..N-1 (a scroll region), the menu stays on row N;
// redrawn when a key changes it or the terminal's height changed.
void UpMenu::draw() {
  std::lock_guard lock(m_);
  bool watching = watch_ && watch_->running();
  std::string out;
  unsigned short rows = terminal_rows();
  if (rows != rows_) {
    // A free line below the cursor first, so it is inside the region.
    out +=
        "\n\x1b[A\x1b"
        "7\x1b[1;" +
        std::to_string(rows - 1) +
        "r\x1b"
        "8";
    rows_ = rows;
  }
  out +=
      "\x1b"
      "7\x1b[" +
      std::to_string(rows_) + ";1H\x1b[2K" + menu_line(watching) +
      "\x1b"
      "8";
  put(out);
}

// A line in the log area, above the menu.
void UpMenu::say(const std::string& line) {
  std::lock_guard lock(m_);
  put(line + "\n");
}

void UpMenu::toggle_watch() {
  try {
    if (watch_ && watch_->running()) {
      watch_->stop();
    } else {
      if (!watch_) watch_.emplace(project_, services_);
      watch_->start_beside_attach(ctx_);
    }
  } catch (const Error& e) {
    std::string text = e.what();
    if (text.starts_with("none of the selected services is configured for watch"))
      text = kWatchNotConfigured;
    say("\x1b[36;1mWatch →\x1b[0m  " + text);
  }
}

void UpMenu::read_keys() {
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    // A second's timeout: a resized terminal gets its region and menu again.
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (n <= 0 || !(fds[0].revents & POLLIN)) {
      if (fds[0].revents & (POLLHUP | POLLERR)) return;
      if (terminal_rows() != rows_) draw();
      continue;
    }
    char c = 0;
    if (::read(STDIN_FILENO, &c, 1) != 1) return;
    if (c == 'w') toggle_watch();
    draw();
  }
}

}  // namespace lit::app
