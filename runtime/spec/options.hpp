#pragma once
// Value parsers for `container run` flags, with docker's syntax and limits.
// Each throws a one-line lit::Error naming the flag and the bad value, so a
// typo is reported before anything is created.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/spec/request.hpp"
#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// Docker's minimum for --memory (smaller limits kill the container's init at once).
inline constexpr std::int64_t kMinMemoryBytes = 6 * 1024 * 1024;

// "64m", "64MB", "1.5g", "100" (bytes): binary units b k m g t p, optional "b"/"ib".
// Returns std::nullopt when the text is not a size.
std::optional<std::int64_t> parse_size(std::string_view text);

// --memory: a size of at least 6MB.
std::int64_t parse_memory(std::string_view value, std::string_view flag = "--memory");

// --cpus: a positive decimal, at most the number of online CPUs. 0 -> no limit.
std::optional<double> parse_cpus(std::string_view value, unsigned online_cpus);

// --pids-limit: an integer; 0 or negative -> unlimited (nullopt).
std::optional<std::int64_t> parse_pids_limit(std::string_view value);

// -v SRC:DST[:OPTS] or -v DST (anonymous volume).
VolumeMount parse_volume(std::string_view value);

// A path as the container sees it, as -v and --tmpfs take it: lexically
// normalized, without a trailing "/".
std::string container_path(std::string_view path);

// --tmpfs DST[:size=64m,mode=1777,...] -> a tmpfs mount with docker's defaults
// (nosuid, nodev, noexec unless overridden); sizes normalized to bytes.
Mount parse_tmpfs(std::string_view value);

// -u USER[:GROUP], each part a name or a number (resolved later against the image).
UserArg parse_user(std::string_view value);

// Looks a variable up in lit's own environment (tests pass a fake).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env_lookup();

// -e K=V passes through; -e K takes K from `lookup` (nullopt when unset: omitted).
std::optional<std::string> parse_env_arg(std::string_view value, const EnvLookup& lookup);

// An --env-file's content, as docker reads it: blank lines and '#' comments
// skipped, K=V kept verbatim (no quote handling), bare K taken from `lookup`.
std::vector<std::string> parse_env_file_content(std::string_view content,
                                                std::string_view file_name,
                                                const EnvLookup& lookup);
std::vector<std::string> read_env_file(const std::filesystem::path& file, const EnvLookup& lookup);

// --label K=V (a bare K gets an empty value, as docker does).
std::pair<std::string, std::string> parse_label(std::string_view value);

// --add-host NAME:IP (or NAME=IP) -> {name, ip}; the address must be IPv4 or IPv6.
std::pair<std::string, std::string> parse_add_host(std::string_view value);
// --ulimit NAME=SOFT[:HARD] (docker's names: nofile, nproc, core, memlock, stack...).
ContainerSpec::Rlimit parse_ulimit(std::string_view value);
// docker's ulimit name ("nofile") -> RLIMIT_NOFILE; nullopt for an unknown one.
std::optional<int> rlimit_resource(std::string_view name);
// --sysctl K=V.
std::pair<std::string, std::string> parse_sysctl(std::string_view value);
// --dns: an IPv4 or IPv6 address.
std::string parse_dns(std::string_view value);

// --mac-address: six hex pairs separated by ':', unicast and not all zero (the
// kernel gives no interface a multicast or zero address); lowercased.
std::string parse_mac_address(std::string_view value);
// The MAC's six bytes (value as parse_mac_address accepts it).
std::array<unsigned char, 6> mac_bytes(std::string_view value);
// A container's interface name as the kernel takes one: 1-15 characters, no
// '/', ':' or whitespace, not "." or ".."; nor "lo", the container's loopback.
std::string parse_interface_name(std::string_view value);

// --network none|host|NAME (a lit network: Bridge).
NetworkMode parse_network(std::string_view value);

// --security-opt no-new-privileges[:true|false] | seccomp=unconfined|builtin|FILE |
// apparmor=unconfined|NAME (see runtime/security/apparmor.hpp):
// what it sets. seccomp=FILE reads the profile (docker's JSON format) now, so
// the value carries its content, not its path.
struct SecurityOpt {
  enum class Kind { NoNewPrivileges, SeccompUnconfined, SeccompDefault, SeccompProfile, AppArmor };
  Kind kind = Kind::NoNewPrivileges;
  bool no_new_privileges = true;  // NoNewPrivileges: the value given (":false" clears it)
  std::optional<runtime::SeccompProfile> profile;  // SeccompProfile
  std::string apparmor;                            // AppArmor: "unconfined" or a profile name
  bool operator==(const SecurityOpt&) const = default;
};
// A relative profile path is taken from base_dir (the CLI: the current
// directory; compose: the project's directory).
SecurityOpt parse_security_opt(std::string_view value, const std::filesystem::path& base_dir = {});
void apply_security_opt(const SecurityOpt& opt, SecuritySpec& security);
// Both at once, for a flag's text.
void apply_security_opt(std::string_view value, SecuritySpec& security);
// lit's policy, stricter than docker's and podman's: no_new_privs is on unless
// the container is privileged (set security.privileged first); an explicit
// no-new-privileges option wins either way. Then the options, in order.
void apply_security_opts(const std::vector<SecurityOpt>& opts, SecuritySpec& security);

// Docker's rule for container and volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool is_valid_name(std::string_view name);

// Sets `name` to `value` in a "K=V" list: replaces in place, or appends.
void set_env(std::vector<std::string>& env, std::string_view entry);
std::optional<std::string> get_env(const std::vector<std::string>& env, std::string_view name);

}  // namespace lit::runtime
