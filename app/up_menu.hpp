#pragma once
// compose's navigation menu for an attached `lit up` on a terminal: one line
// kept at the bottom of the screen (the logs scroll in a region above it)
// with the keys lit offers. `w` enables or disables watch (the services'
// develop.watch, followed as `lit watch` does). compose's `v` (View in Docker
// Desktop) and `o` (View Config) open Docker Desktop: lit has none, so they
// are left out. Ctrl-C stops the services as without the menu.
#include <termios.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/context.hpp"
#include "app/watch.hpp"
#include "reconciler/model.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

// Go's strconv.ParseBool ("1", "t", "T", "TRUE", "true", "True" and the
// false forms); anything else is false, as compose's utils.StringToBool.
bool go_bool(std::string_view text);

// compose's rule: only when stdin and stdout are terminals and the progress
// is not plain; then --menu / --no-menu when given, else COMPOSE_MENU (`env`,
// nullptr when unset), else on.
bool menu_enabled(std::optional<bool> flag, const char* env, bool terminal,
                  const std::string& progress);

// The menu line, keys highlighted as compose's: "w Enable Watch" or
// "w Disable Watch".
std::string menu_line(bool watching);

class UpMenu {
 public:
  // `watch`: up --watch's watcher (running), or empty; `w` makes one when
  // the project has develop.watch. Draws the menu and reads keys until destroyed.
  UpMenu(Context& ctx, const reconciler::Project& project, std::vector<std::string> services,
         std::optional<UpWatch>& watch);
  ~UpMenu();  // the menu cleared, the terminal as it was
  UpMenu(const UpMenu&) = delete;
  UpMenu& operator=(const UpMenu&) = delete;

 private:
  void read_keys();
  void toggle_watch();
  void draw();
  void say(const std::string& line);

  Context& ctx_;
  const reconciler::Project& project_;
  std::vector<std::string> services_;
  std::optional<UpWatch>& watch_;
  termios saved_{};
  unsigned short rows_ = 0;
  std::mutex m_;
  UniqueFd stop_read_, stop_write_;
  std::thread keys_;
};

}  // namespace lit::app
