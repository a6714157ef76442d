#pragma once
// `lit optimize image SERVICE` (cmd_optimize_image.cpp): the service run
// once with its file accesses traced (runtime/trace/root_trace.hpp), a slim
// image of what it used (runtime/image/slim.hpp), verified by running the
// service on it; tagged <project>-<service>:lit-slim only when it passed,
// and then `lit up` runs a service with optimize.shrink_image on it.
#include <CLI/CLI.hpp>

#include "app/context.hpp"

namespace lit::app {

// Adds `image` to the `lit optimize` group.
void add_optimize_image_command(CLI::App& optimize, Context& ctx);

}  // namespace lit::app
