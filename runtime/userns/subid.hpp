#pragma once
// Subordinate id ranges: /etc/subuid and /etc/subgid (subuid(5), shadow-utils'
// format), one "NAME:START:COUNT" per line, read for the one user whose ranges
// lit's user namespaces take ids from.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lit::runtime {

struct SubidRange {
  std::uint32_t start = 0, count = 0;
  bool operator==(const SubidRange&) const = default;
};

// The user whose entries lit uses as root: its own ("lit"), so that its ranges
// never overlap podman's (which takes `containers`' for --userns=auto).
inline constexpr std::string_view kSubidUser = "lit";

// `user`'s ranges in text, in file order. Blank lines and '#' comments are
// skipped; a malformed line (any user's) throws naming file:line.
std::vector<SubidRange> parse_subid(std::string_view text, const std::string& file,
                                    std::string_view user);

// The same from a file; a missing file has no ranges.
std::vector<SubidRange> read_subid(const std::filesystem::path& file, std::string_view user);

}  // namespace lit::runtime
