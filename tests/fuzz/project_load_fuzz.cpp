// Fuzz target: the project loader on one project file. The input is written as
// app/compose.yaml in a scratch directory and loaded with a fixed environment,
// as it is and with --strict. A bad file is a lit::Error; anything else thrown, a crash, a
// sanitizer report or a hang is a bug.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "reconciler/load/load.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"

namespace {

std::optional<std::string> environment(const std::string& name) {
  if (name == "TAG") return "1.0";
  if (name == "PORT") return "8080";
  if (name == "EMPTY") return "";
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const lit::fuzz::ScratchDir scratch("project");
  static const std::string dir = [] {
    if (::mkdirat(scratch.fd(), "app", 0755) < 0) lit::fuzz::die("create the project directory");
    return scratch.path() + "/app";
  }();
  int fd =
      ::openat(scratch.fd(), "app/compose.yaml", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size))
    lit::fuzz::die("write compose.yaml");
  ::close(fd);
  lit::reconciler::LoadOptions options;
  options.working_dir = dir;
  options.files = {"compose.yaml"};
  options.environment = environment;
  try {
    (void)lit::reconciler::load_project(options);
  } catch (const lit::Error&) {
  }
  options.strict = true;
  try {
    (void)lit::reconciler::load_project(options);
  } catch (const lit::Error&) {
  }
  return 0;
}
