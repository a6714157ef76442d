// lit container exec.
#include "app/context.hpp"

namespace lit::app {

void register_exec_commands(CLI::App& container, Context& ctx) {
  (void)container;
  (void)ctx;
}

}  // namespace lit::app
