#include "runtime/security/apparmor.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

#include "runtime/util/error.hpp"

namespace lit::security {

bool apparmor_enabled() {
  std::ifstream in("/sys/module/apparmor/parameters/enabled");
  std::string v;
  return in >> v && v == "Y";
}

void note_apparmor() {
  static const bool once = [] {
    if (apparmor_enabled())
      spdlog::debug("AppArmor is enabled on this host; lit has no default profile yet");
    else
      spdlog::debug("AppArmor is not enabled on this host (no apparmor module)");
    return true;
  }();
  (void)once;
}

void check_apparmor_profile(const std::string& profile) {
  if (!apparmor_enabled()) {
    spdlog::debug("AppArmor is not enabled on this host: apparmor={} ignored", profile);
    return;
  }
  if (profile == "unconfined") return;
  throw Error("apparmor=" + profile, "", 0,
              "lit cannot apply AppArmor profiles yet; use apparmor=unconfined or leave it out");
}

}  // namespace lit::security
