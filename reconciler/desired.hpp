#pragma once
// What the project file wants, the planner's first input (observe.hpp gives
// the second): the services with their config hashes over the normalized
// service, the image digests and the files they read.
#include <map>
#include <string>
#include <vector>

#include "reconciler/model.hpp"
#include "reconciler/plan.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

struct Desired {
  DesiredState state;
  std::map<std::string, std::string> hashes;  // service -> config hash
  // optimize.shrink_image: service -> the id of the verified slim image its
  // containers run on (`lit optimize image` made it from its current image).
  std::map<std::string, std::string> slim_images;
  // One line for each shrink_image service that has none: what to run.
  std::vector<std::string> notes;
};

// Throws lit::Error naming the service when its image is not in the store, or
// a file it reads (env_file, secrets, configs) cannot be read.
// Commands that only stop, start or remove what exists (down, stop, start,
// restart) skip the hashes: they need no image, and no copy source, present.
enum class Hashes { Compute, Skip };

// The config hash over the service's definition alone: its canonical JSON
// and the contents of the files it reads (env_file, secrets, configs, inline
// and environment values, seccomp profiles), after `images` (the image ids
// `desired_state` puts first; none for `lit convert`, which has no store).
std::string definition_hash(const Service& s, std::vector<std::string> images = {});
Desired desired_state(const Paths& paths, const Project& project, Hashes hashes = Hashes::Compute);

}  // namespace lit::reconciler
