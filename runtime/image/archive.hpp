#pragma once
// The outer image archive (docker-archive or OCI layout in a tar, plain, gzip
// or zstd), copied entry by entry into a staging directory under flat names.
// Nothing is written at a path taken from the archive: lookups go through a
// map, and symlinks/hardlinks in the archive resolve lexically inside it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace lit::image {

struct StagedFile {
  std::filesystem::path path;  // the copy in the staging directory
  std::string digest;          // "sha256:<hex>" of its bytes
  std::uint64_t size = 0;
};

class ArchiveContents {
 public:
  // Reads the whole archive from fd; `name` (the file the user gave) appears in errors.
  static ArchiveContents stage(int fd, std::string name, const std::filesystem::path& dir);

  const StagedFile* find(std::string_view path) const;  // nullptr when absent
  // Like find, but throws "corrupt archive NAME: missing PATH (what)".
  const StagedFile& get(std::string_view path, std::string_view what) const;
  // A small (JSON) file's content.
  std::string read(std::string_view path, std::string_view what) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::map<std::string, StagedFile> files_;
  std::map<std::string, std::string> links_;  // path -> target path (normalized)
};

// lit::Error "corrupt archive NAME: why".
[[noreturn]] void corrupt(const std::string& archive, const std::string& why);

}  // namespace lit::image
