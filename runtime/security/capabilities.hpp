#pragma once
// Capability names and numbers, and the raw capget/capset and bounding-set
// syscalls (libcap is not a dependency).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::security {

// The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).
int last_capability();

// "net_admin", "CAP_NET_ADMIN" -> 12; nullopt for an unknown name.
std::optional<int> capability_from_name(std::string_view name);
// 12 -> "NET_ADMIN"; "CAP_<n>" for numbers newer than lit's table.
std::string capability_name(int cap);

// The capabilities this process holds in its permitted set (capget).
std::vector<int> permitted_capabilities();

// Drops every capability not in keep from the bounding set (PR_CAPBSET_DROP).
void drop_bounding_set(const std::vector<int>& keep);

// Sets the effective, permitted and inheritable sets to exactly these (capset).
// Docker leaves inheritable empty (CVE-2022-24769); so does lit.
void set_capabilities(const std::vector<int>& effective_and_permitted);

}  // namespace lit::security
