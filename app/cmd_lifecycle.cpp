// lit container start, stop, kill, restart, wait.
#include "app/context.hpp"

namespace lit::app {

void register_lifecycle_commands(CLI::App& container, Context& ctx) {
  (void)container;
  (void)ctx;
}

}  // namespace lit::app
