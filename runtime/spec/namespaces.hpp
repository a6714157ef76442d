#pragma once
// --pid, --ipc and --uts as docker writes them: "" or private, shareable (ipc),
// host, container:NAME; and back (a record's, `inspect`'s form).
#include <string>
#include <string_view>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

enum class NamespaceKind { Pid, Ipc, Uts };

// Throws lit::Error in docker's words ("--ipc: invalid IPC mode") for a mode
// the kind does not take: pid takes host and container:NAME, ipc also
// shareable and none, uts only host ("" and private are the default everywhere).
NamespaceShare parse_namespace_share(NamespaceKind kind, std::string_view text);

// "private" (docker prints "" for pid and uts), "shareable", "none", "host", "container:ID".
std::string namespace_share_text(const NamespaceShare& share);

// --userns auto against what cannot go with it (yet): joining another
// container's or the host's PID or IPC namespace, another container's network
// namespace, image volumes. Throws lit::Error naming both flags.
void check_userns_combination(bool userns, NetworkMode network, const NamespaceShare& pid,
                              const NamespaceShare& ipc, bool image_mounts);

// "pid", "ipc", "uts": the /proc/PID/ns/ entry.
const char* namespace_name(NamespaceKind kind);

}  // namespace lit::runtime
