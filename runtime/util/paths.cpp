#include "runtime/util/paths.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "runtime/rootless/session.hpp"
#include "runtime/util/error.hpp"

namespace lit {

Paths Paths::from_environment() {
  Paths p{"/var/lib/lit", "/run/lit"};
  // A user without root: their own directories (rootless lit). In the session,
  // lit runs as root of its user namespace and finds them in LIT_ROOT and
  // LIT_RUN_ROOT, which rootless::enter() sets.
  if (::geteuid() != 0) {
    auto dirs = rootless::user_dirs();
    p = {dirs.root, dirs.run_root};
  }
  if (const char* r = std::getenv("LIT_ROOT"); r && *r) p.root = r;
  if (const char* r = std::getenv("LIT_RUN_ROOT"); r && *r) p.run_root = r;
  return p;
}

std::filesystem::path helper_executable(const std::string& name) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error::sys("find lit's own executable", "/proc/self/exe", ec.value());
  std::filesystem::path helper = self.parent_path() / name;
  if (::access(helper.c_str(), X_OK) < 0)
    throw Error::sys("find " + name, helper.string(), errno)
        .with_hint(name + " is installed next to lit; reinstall lit or rebuild it");
  return helper;
}

}  // namespace lit
