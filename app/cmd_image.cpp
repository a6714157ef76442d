// lit image ...: load, import, ls, inspect, rm.
#include "app/context.hpp"

namespace lit::app {

void register_image_commands(CLI::App& app, Context& ctx) {
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  (void)ctx;
}

}  // namespace lit::app
