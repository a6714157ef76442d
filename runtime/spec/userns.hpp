#pragma once
// --userns and compose's userns_mode: whose user namespace a container runs in,
// and the id mapping of one that is its own (the arithmetic of uid_map).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lit::runtime {

// One line of /proc/PID/uid_map: ids container..container+size-1 inside are
// host..host+size-1 outside.
struct IdMapping {
  std::uint32_t container = 0, host = 0, size = 0;
  bool operator==(const IdMapping&) const = default;
};

// The host id of a container id, nullopt when the mapping does not cover it.
std::optional<std::uint32_t> to_host(const IdMapping& m, std::uint32_t id);
// The container id of a host id, nullopt when unmapped (the kernel shows the overflow id).
std::optional<std::uint32_t> to_container(const IdMapping& m, std::uint32_t host_id);
// "0 100000 65536\n": what /proc/PID/uid_map and gid_map take.
std::string id_map_line(const IdMapping& m);

// A container's own user namespace (--userns auto): its root is host uid
// uid.host. Empty (size 0): the host's user namespace, as docker's default.
struct UserNamespace {
  IdMapping uid, gid;
  bool enabled() const { return uid.size > 0; }
  bool operator==(const UserNamespace&) const = default;
};

// What a caller asks for: Host (default) or Auto (a range of `size` ids
// allocated from /etc/subuid and /etc/subgid).
struct UsernsRequest {
  enum class Mode { Host, Auto } mode = Mode::Host;
  std::uint32_t size = 0;  // Auto: ids mapped (0: kDefaultUsernsSize)
  bool operator==(const UsernsRequest&) const = default;
};

inline constexpr std::uint32_t kDefaultUsernsSize = 65536;

// "", "host", "auto", "auto:size=N" (podman's form). `what` names the flag or
// key in errors ("--userns", "services.web.userns_mode").
UsernsRequest parse_userns(std::string_view text, const std::string& what);
// Back to text: "host", "auto", "auto:size=N".
std::string userns_text(const UsernsRequest& r);

}  // namespace lit::runtime
