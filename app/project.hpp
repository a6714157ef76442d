#pragma once
// What the project commands share (cmd_project.cpp, cmd_project_ops.cpp):
// loading the project of the global flags, its lock, and progress output.
#include <string>
#include <vector>

#include "app/context.hpp"
#include "reconciler/apply/apply.hpp"
#include "reconciler/model.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

// The project of -f / -p / --project-directory / --env-file / --profile;
// naming services activates their profiles. Prints the loader's warnings.
reconciler::Project load(const Context& ctx, const std::vector<std::string>& services = {});

// `up`, `down` and friends on one project run one at a time.
FileLock project_lock(const Context& ctx, const std::string& project);

// " ✔ Container shop-web-1  Started" on stderr, as compose prints progress.
void print_line(const std::string& line);

// Prints the applier's errors; the exit status (0 or 1, as compose).
int finish(const reconciler::ApplyResult& r);

// `lit build` and `lit up --build`: throws naming the selected services (all
// when empty) that have build:, until the image builder exists.
void refuse_build(const reconciler::Project& project, const std::vector<std::string>& services);

}  // namespace lit::app
