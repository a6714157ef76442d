#pragma once
// lit's default seccomp profile as rules, for one ABI at a time. Internal to
// runtime/security: seccomp.cpp builds, caches and loads the filter.
#include <cstdint>
#include <string>
#include <vector>

namespace lit::security::detail {

// Adds the default profile's rules for the syscalls of `arch` (an
// SCMP_ARCH_* value; the context filters that ABI alone) to ctx, a libseccomp
// context whose default action is to allow. Syscalls the ABI lacks are
// skipped. With `blocked`, the names of the syscalls given a rule are appended.
void add_default_rules(void* ctx, std::uint32_t arch, const std::vector<int>& caps,
                       std::vector<std::string>* blocked);

// Everything the rules are made from, as text (part of the program cache's key).
std::string default_rules_text();

}  // namespace lit::security::detail
