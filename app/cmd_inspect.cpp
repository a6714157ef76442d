// lit container logs, stats, top.
#include "app/context.hpp"

namespace lit::app {

void register_inspection_commands(CLI::App& container, Context& ctx) {
  (void)container;
  (void)ctx;
}

}  // namespace lit::app
