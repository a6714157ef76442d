#pragma once
// du: how much a directory tree holds.
#include <cstdint>
#include <filesystem>

namespace lit {

// The bytes of the regular files under path (symlinks not followed); entries
// that cannot be read count nothing.
std::uintmax_t tree_size(const std::filesystem::path& path) noexcept;

}  // namespace lit
