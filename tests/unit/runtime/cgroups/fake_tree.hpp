#pragma once
// A fake /sys/fs/cgroup in a temporary directory with a matching mountinfo
// file, so detection and the drivers' file writes are tested without root.
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::cgroups::testing {

class FakeTree {
 public:
  FakeTree() : dir_(std::filesystem::temp_directory_path(), "lit-cgtest-") {}

  std::filesystem::path root() const { return dir_.path() / "cgroup"; }
  std::filesystem::path mountinfo() const { return dir_.path() / "mountinfo"; }

  // Adds a mount line and creates its directory under root().
  void mount(const std::string& rel, const std::string& fstype, const std::string& super) {
    std::filesystem::create_directories(root() / rel);
    ++lines_;
    table_ += std::to_string(30 + lines_) + " 22 0:" + std::to_string(lines_) + " / " +
              (root() / rel).lexically_normal().string() + " rw,nosuid,relatime shared:9 - " +
              fstype + " " + fstype + " " + super + "\n";
    write(mountinfo(), "25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n" + table_);
  }

  static void write(const std::filesystem::path& p, const std::string& content) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  TempDir dir_;
  std::string table_;
  int lines_ = 0;
};

}  // namespace lit::cgroups::testing
