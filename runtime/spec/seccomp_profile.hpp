#pragma once
// A seccomp profile in docker's JSON format (`--security-opt seccomp=FILE`,
// compose's `security_opt: [seccomp=FILE]`), read into typed values. The
// runtime compiles it with libseccomp (runtime/security/seccomp_profile_filter.cpp)
// as runc does; the record keeps it, so a restart does not need the file.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::runtime {

enum class SeccompAction { KillThread, KillProcess, Trap, Errno, Trace, Allow, Log };
enum class SeccompOp {
  NotEqual,
  LessThan,
  LessOrEqual,
  Equal,
  GreaterOrEqual,
  GreaterThan,
  MaskedEqual
};

// One argument check: args[index] op value (MaskedEqual: (args[index] & value) == value_two).
struct SeccompArg {
  unsigned index = 0;  // 0..5
  std::uint64_t value = 0, value_two = 0;
  SeccompOp op = SeccompOp::Equal;
  bool operator==(const SeccompArg&) const = default;
};

// includes / excludes: go architecture names ("amd64", "386", "x32", "arm64"),
// capability names ("CAP_SYS_ADMIN"), a minimum kernel ("4.8").
struct SeccompCondition {
  std::vector<std::string> arches, caps;
  std::optional<std::pair<int, int>> min_kernel;
  bool operator==(const SeccompCondition&) const = default;
};

struct SeccompSyscall {
  std::vector<std::string> names;  // "name" and "names" both land here
  SeccompAction action = SeccompAction::Allow;
  std::optional<std::uint32_t> errno_ret;  // Errno/Trace; EPERM when absent
  std::vector<SeccompArg> args;
  SeccompCondition includes, excludes;
  bool operator==(const SeccompSyscall&) const = default;
};

struct SeccompArchMap {
  std::string architecture;  // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;
  bool operator==(const SeccompArchMap&) const = default;
};

struct SeccompProfile {
  SeccompAction default_action = SeccompAction::Allow;
  std::optional<std::uint32_t> default_errno;
  std::vector<std::string> architectures;  // "SCMP_ARCH_X86_64"...
  std::vector<SeccompArchMap> arch_map;
  std::vector<SeccompSyscall> syscalls;
  bool operator==(const SeccompProfile&) const = default;
};

// Parses a profile; `source` names it in errors, which have the form
// `seccomp profile SOURCE: syscalls[3].action: unknown action "SCMP_ACT_FOO"`.
SeccompProfile parse_seccomp_profile(std::string_view json_text, std::string_view source);
SeccompProfile seccomp_profile_from_json(const nlohmann::json& j, std::string_view source);
// Reads and parses the file at `path`, shown in errors as `source`.
SeccompProfile read_seccomp_profile(const std::filesystem::path& path, std::string_view source);

// The profile in docker's format, every field written (the form records keep
// and config hashes cover: two files that mean the same give the same JSON).
nlohmann::json to_json(const SeccompProfile& p);

// "SCMP_ACT_ERRNO", "SCMP_CMP_MASKED_EQ": the names docker's format uses.
std::string_view action_name(SeccompAction a);
std::string_view op_name(SeccompOp op);

}  // namespace lit::runtime
