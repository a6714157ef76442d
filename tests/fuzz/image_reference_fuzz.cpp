// Fuzz target: image references come from project files, the command line and
// the RepoTags/annotations of image archives. Parsing must fail only with
// lit::Error, and a reference it accepts must parse again from its normalized
// form to the same reference.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/image/reference.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::image;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)familiar(text);
  Reference ref;
  try {
    ref = parse_reference(text);
  } catch (const lit::Error&) {
    return 0;
  }
  (void)ref.familiar();
  // Normalizing adds "docker.io/library/", which can push a name past the
  // 255-character limit that the original passed.
  if (ref.name().size() > 255) return 0;
  Reference again;
  try {
    again = parse_reference(ref.str());
  } catch (const lit::Error& e) {
    lit::fuzz::die("normalized reference " + ref.str() + " does not parse: " + e.what());
  }
  if (again.domain != ref.domain || again.path != ref.path || again.tag != ref.tag ||
      again.digest != ref.digest)
    lit::fuzz::die("normalized reference " + ref.str() + " parses as " + again.str());
  return 0;
}
