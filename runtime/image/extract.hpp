#pragma once
// Writes tar entries into one layer directory, one entry at a time, under the
// policy described in unpack.hpp. Directory metadata is applied at finish(),
// after every child exists, so mtimes and read-only modes stick.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/image/layer_fs.hpp"
#include "runtime/image/unpack.hpp"

struct archive;
struct archive_entry;

namespace lit::image {

class Extractor {
 public:
  Extractor(int root_fd, const UnpackOptions& options, std::string what);
  void entry(archive* a, archive_entry* e);
  void finish();
  std::uint64_t content_size() const { return content_size_; }

  struct Meta {
    mode_t mode = 0755;
    uid_t uid = 0;
    gid_t gid = 0;
    timespec times[2]{};  // atime, mtime
    std::vector<std::pair<std::string, std::string>> xattrs;
  };

 private:
  void whiteout(const std::vector<std::string>& dir, const std::string& base);
  void regular(archive* a, archive_entry* e, int parent, const std::string& name, const Meta& m);
  void hardlink(const std::string& target, const std::vector<std::string>& path, int parent,
                const std::string& name);
  void special(archive_entry* e, int parent, const std::string& name, const Meta& m);
  void apply_fd(int fd, const Meta& m, const std::string& where) const;
  void apply_at(int parent, const std::string& name, const Meta& m, bool is_link) const;
  [[noreturn]] void fail(const std::string& why) const;

  LayerFs fs_;
  UnpackOptions options_;
  std::string what_;
  std::string entry_;  // current entry's name as written in the archive, for errors
  std::map<std::string, Meta> dirs_;
  std::uint64_t content_size_ = 0;
};

}  // namespace lit::image
