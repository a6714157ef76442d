#pragma once
// --sysctl: only keys the kernel namespaces (IPC, mqueue, and net.* with a
// network namespace of its own) may be set, as docker allows.
#include <map>
#include <string>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

// Throws lit::Error naming the key when it is not namespaced for this spec.
void validate_sysctls(const std::map<std::string, std::string>& sysctls, NetworkMode network);

// In the init, with the container's /proc mounted at /proc.
void apply_sysctls(const std::map<std::string, std::string>& sysctls);

}  // namespace lit::runtime
