// Fuzz target: .env files and ${VAR} interpolation in project files. Both must
// fail only with lit::Error, whatever the text.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "reconciler/load/dotenv.hpp"
#include "reconciler/load/interpolate.hpp"
#include "runtime/util/error.hpp"

namespace {

std::optional<std::string> lookup(const std::string& name) {
  if (name == "HOME") return "/home/user";
  if (name == "EMPTY") return "";
  if (name == "TAG") return "1.0";
  if (name == "DOLLAR") return "$HOME ${TAG}";  // values are not interpolated again
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::reconciler::load;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)parse_dotenv(text, ".env", lookup);
  } catch (const lit::Error&) {
  }
  size_t unset = 0;
  try {
    (void)interpolate(text, lookup, [&](const std::string&) { ++unset; });
  } catch (const lit::Error&) {
  }
  return 0;
}
