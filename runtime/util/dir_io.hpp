#pragma once
// Reading a directory and copying a file's bytes by fd: the tree copies of
// `cp` (runtime/rootfs/copy.cpp) and of the id-shifted layers
// (runtime/rootfs/shifted_copy.cpp).
#include <string>
#include <vector>

namespace lit {

// The names in a directory (an O_PATH fd will do), without . and .., sorted
// (so copies and tars are in a fixed order). `what` names it in errors.
std::vector<std::string> dir_names(int dir_fd, const std::string& what);

// Copies everything from `in` to `out`: copy_file_range where the filesystem
// can (reflinks or in-kernel copies), read and write otherwise.
void copy_bytes(int in, int out, const std::string& what);

}  // namespace lit
