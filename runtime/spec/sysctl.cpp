#include "runtime/spec/sysctl.hpp"

#include <algorithm>
#include <array>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr std::array<const char*, 8> kIpcKeys = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};

bool namespaced(const std::string& key, NetworkMode network) {
  if (std::find(kIpcKeys.begin(), kIpcKeys.end(), key) != kIpcKeys.end()) return true;
  if (key.starts_with("fs.mqueue.")) return true;
  return key.starts_with("net.") && network != NetworkMode::Host &&
         network != NetworkMode::Container;
}

}  // namespace

void validate_sysctls(const std::map<std::string, std::string>& sysctls, NetworkMode network) {
  for (const auto& [key, value] : sysctls) {
    bool bad_chars = key.find('/') != std::string::npos || key.find("..") != std::string::npos;
    if (bad_chars || !namespaced(key, network)) {
      throw Error("sysctl", key, 0,
                  "only namespaced sysctls (kernel.msg*, kernel.sem, kernel.shm*, "
                  "fs.mqueue.*, net.* without --network host) can be set");
    }
  }
}

void apply_sysctls(const std::map<std::string, std::string>& sysctls) {
  for (const auto& [key, value] : sysctls) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    write_file(path, value);
  }
}

}  // namespace lit::runtime
