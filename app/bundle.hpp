#pragma once
// `lit bundle create | apply | inspect` (cmd_bundle.cpp), and the converge
// step it borrows from `lit up` (cmd_project.cpp).
#include <CLI/CLI.hpp>
#include <chrono>

#include "app/context.hpp"

namespace lit::app {

void register_bundle_commands(CLI::App& app, Context& ctx);

// `lit up -d --wait --remove-orphans --no-build --pull never` on the project
// of ctx's flags (`bundle apply`: its images are in the store), recorded as
// the project's new version; when it fails, the changed services return to
// the version that ran before, as `up --atomic`. Returns the exit status as
// apply_with_progress does (0, 1, or 130 after Ctrl-C).
int up_from_store_and_wait(Context& ctx, std::chrono::seconds timeout);

}  // namespace lit::app
