#include "runtime/security/apparmor.hpp"

#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/apparmor.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <vector>

#include "runtime/image/digest.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/security/apparmor_profile.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

extern char** environ;

namespace lit::security {
namespace {

constexpr const char* kParser = "apparmor_parser";
const char* const kInstallHint =
    "install Debian's apparmor package, or run the container with "
    "--security-opt apparmor=unconfined";

// The kernel's AppArmor filesystem (securityfs), where it lists loaded profiles.
std::filesystem::path apparmorfs() {
  char* mnt = nullptr;
  if (::aa_find_mountpoint(&mnt) != 0) return {};
  std::unique_ptr<char, decltype(&std::free)> own(mnt, &std::free);
  return mnt;
}

// Whether the kernel holds a profile of this name (a line "NAME (mode)" in
// <apparmorfs>/profiles).
bool profile_loaded(const std::string& name) {
  const std::filesystem::path fs = apparmorfs();
  if (fs.empty()) return false;
  std::ifstream in(fs / "profiles");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(name + " (")) return true;
  }
  return false;
}

UniqueFd memfd(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd) throw Error::sys("create a memory file for", name, errno);
  return fd;
}

// `text` compiled by apparmor_parser into the kernel's binary form, in a
// memory file at offset 0.
UniqueFd compile(const std::string& name, const std::string& text) {
  UniqueFd in = memfd("apparmor-profile"), out = memfd("apparmor-binary"),
           err = memfd("apparmor-errors");
  if (!write_all(in.get(), text) || ::lseek(in.get(), 0, SEEK_SET) < 0)
    throw Error::sys("write the AppArmor profile", name, errno);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, out.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err.get(), 2);
  // Skip the kernel (libapparmor loads it) and the cache; the binary to stdout.
  std::vector<std::string> args{kParser, "--skip-kernel-load", "--skip-cache", "--ofile",
                                "/dev/stdout"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  // Where Debian installs it (root's PATH has it; a service's may not), else PATH.
  const char* installed = "/usr/sbin/apparmor_parser";
  const int rc = ::access(installed, X_OK) == 0
                     ? ::posix_spawn(&pid, installed, &fa, nullptr, argv.data(), environ)
                     : ::posix_spawnp(&pid, kParser, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw Error::sys("run", kParser, rc).with_hint(kInstallHint);
  const int status = wait_status_of(pid);
  if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ::lseek(err.get(), 0, SEEK_SET);
    std::string why = read_all(err.get());
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (auto nl = why.find('\n'); nl != std::string::npos) why = why.substr(0, nl);
    throw Error("compile the AppArmor profile", name, 0,
                kParser + std::string(" failed") + (why.empty() ? "" : ": " + why));
  }
  ::lseek(out.get(), 0, SEEK_SET);
  return out;
}

// Compiles lit-default and loads it into the kernel, replacing an older one.
void load_default_profile(const std::string& text) {
  const std::string name(kDefaultAppArmorProfile);
  UniqueFd binary = compile(name, text);
  aa_kernel_interface* kif = nullptr;
  if (::aa_kernel_interface_new(&kif, nullptr, nullptr) != 0)
    throw Error::sys("open the kernel's AppArmor interface to load", name, errno);
  const int rc = ::aa_kernel_interface_replace_policy_from_fd(kif, binary.get());
  const int err = errno;
  ::aa_kernel_interface_unref(kif);
  if (rc != 0) throw Error::sys("load the AppArmor profile", name, err);
  spdlog::debug("loaded the AppArmor profile {}", name);
}

}  // namespace

// Once a process: each call of aa_is_enabled reads two sysfs files, and a
// start asked up to four times (the module's state does not change while lit runs).
bool apparmor_enabled() {
  static const bool enabled = ::aa_is_enabled() == 1;
  return enabled;
}

void note_apparmor() {
  static const bool once = [] {
    spdlog::debug(apparmor_enabled() ? "AppArmor is enabled on this host"
                                     : "AppArmor is not enabled on this host");
    return true;
  }();
  (void)once;
}

std::string apparmor_profile_for(const std::string& requested, bool privileged, bool host_enabled,
                                 bool can_load) {
  if (!host_enabled || requested == "unconfined") return "";
  if (!requested.empty()) return requested;
  if (privileged || !can_load) return "";
  return std::string(kDefaultAppArmorProfile);
}

std::string host_apparmor_profile(const std::string& requested, bool privileged) {
  const bool can_load = ::geteuid() == 0 && !rootless::active();
  return apparmor_profile_for(requested, privileged, apparmor_enabled(), can_load);
}

std::string prepare_apparmor(const std::string& requested, bool privileged,
                             const std::filesystem::path& state_dir) {
  if (!apparmor_enabled() && !requested.empty() && requested != "unconfined")
    spdlog::debug("AppArmor is not enabled on this host: apparmor={} ignored", requested);
  const std::string profile = host_apparmor_profile(requested, privileged);
  if (profile.empty()) return profile;
  if (profile != kDefaultAppArmorProfile) {
    if (!profile_loaded(profile))
      throw Error("the kernel has no AppArmor profile " + profile, "", 0,
                  "load it first (apparmor_parser -r FILE), or use --security-opt "
                  "apparmor=unconfined");
    return profile;
  }
  // lit-default: loaded again when its text is not what this lit last loaded
  // since boot (state_dir is the run root, a tmpfs) or the kernel lost it.
  const std::string text = apparmor_profile_text(profile);
  const std::string digest = image::sha256_digest(text);
  const std::filesystem::path stamp = state_dir / "apparmor" / (profile + ".sha256");
  std::error_code ec;
  std::string loaded;
  if (std::filesystem::exists(stamp, ec)) loaded = read_file(stamp);
  if (loaded != digest || !profile_loaded(profile)) {
    load_default_profile(text);
    make_dirs(stamp.parent_path(), 0700);
    write_file_atomic(stamp, digest, 0600, Durability::NoSync);
  }
  return profile;
}

void apply_apparmor_on_exec(const std::string& profile) {
  if (profile.empty()) return;
  if (::aa_change_onexec(profile.c_str()) != 0)
    throw Error::sys("apply the AppArmor profile", profile, errno);
}

}  // namespace lit::security
