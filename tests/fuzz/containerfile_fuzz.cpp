// Fuzz target: a Containerfile through the parser, then substitution of every
// stage and the build plan of every target. A bad file may throw lit::Error;
// nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/expand.hpp"
#include "runtime/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::image::build;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Containerfile cf;
  try {
    cf = parse_containerfile(text, "Containerfile");
  } catch (const lit::Error&) {
    return 0;
  }
  const BuildArgs args{{{"VERSION", "1.0"}, {"EMPTY", ""}}, {{"TARGETARCH", "amd64"}}};
  // Every stage as a target, up to a bound (a plan is linear in the stages it reaches).
  for (std::size_t i = 0; i < cf.stages.size() && i < 16; ++i) {
    try {
      (void)resolve_stage(cf, i, args, {{"PATH", "/usr/bin"}});
    } catch (const lit::Error&) {
    }
    try {
      (void)plan_build(cf, args, cf.stages[i].name);
    } catch (const lit::Error&) {
    }
  }
  return 0;
}
