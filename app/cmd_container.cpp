// lit container ...: run, ls, rm.
#include "app/context.hpp"

namespace lit::app {

void register_container_commands(CLI::App& app, Context& ctx) {
  auto* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  (void)ctx;
}

}  // namespace lit::app
