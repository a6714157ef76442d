// Fuzz target: a .dockerignore file, then every line of the input as a path.
// A bad pattern may throw lit::Error. A directory the matcher says can be
// skipped must have every path below it excluded (else the walk would drop a
// file an exception re-includes): that is checked on the input's own lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/image/build/ignore.hpp"
#include "runtime/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::image::build;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos <= text.size() && lines.size() < 24;) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  IgnoreMatcher m;
  try {
    m = IgnoreMatcher::parse(text);
  } catch (const lit::Error&) {
    return 0;
  }
  for (const auto& dir : lines) {
    (void)m.excluded(dir);
    if (!m.skip_directory(dir)) continue;
    for (const auto& rest : lines) {
      std::string below = dir + "/" + rest;
      if (clean_path(below).starts_with(clean_path(dir) + "/") && !m.excluded(below))
        __builtin_trap();
    }
  }
  return 0;
}
