#include "runtime/lifecycle/networking.hpp"

namespace lit::runtime {
namespace {
std::unique_ptr<NetworkHooks>& installed() {
  static std::unique_ptr<NetworkHooks> hooks;
  return hooks;
}
}  // namespace

NetworkHooks* network_hooks() { return installed().get(); }
void install_network_hooks(std::unique_ptr<NetworkHooks> hooks) { installed() = std::move(hooks); }

}  // namespace lit::runtime
