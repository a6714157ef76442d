#include "runtime/util/paths.hpp"

#include <cstdlib>

namespace lit {

Paths Paths::from_environment() {
  Paths p{"/var/lib/lit", "/run/lit"};
  if (const char* r = std::getenv("LIT_ROOT"); r && *r) p.root = r;
  if (const char* r = std::getenv("LIT_RUN_ROOT"); r && *r) p.run_root = r;
  return p;
}

}  // namespace lit
